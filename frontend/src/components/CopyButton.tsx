import { useState } from 'react';

export function CopyButton({ text, label = 'Copy', testId = 'copy-button' }: { text: string; label?: string; testId?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
    setTimeout(() => setCopied(null), 2000);
  }
  return (
    <button type="button" className="secondary small" onClick={copy} data-testid={testId}>
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy' : label}
      <span className="visually-hidden" aria-live="polite">
        {copied === 'yes' ? 'Copied to clipboard' : ''}
      </span>
    </button>
  );
}
