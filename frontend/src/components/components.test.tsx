import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfirmButton } from './ConfirmButton';
import { RelativeTime } from './RelativeTime';
import { RetiredBadge } from './RetiredBadge';
import { RevertWindowNote } from './RevertWindowNote';
import { ErrorMessage } from './ErrorMessage';
import { apiError } from '../test/utils';
import { VersionList } from '../pages/package/VersionList';

describe('RevertWindowNote', () => {
  const now = new Date('2026-11-26T12:00:00Z');

  it('shows the minutes left', () => {
    render(<RevertWindowNote revertableUntil="2026-11-26T12:42:00Z" isPrivate={false} now={now} />);
    const note = screen.getByTestId('revert-window');
    expect(note).toHaveTextContent('can be reverted for 42 more minutes');
    expect(note).toHaveAttribute('data-state', 'open');
  });

  it('shows the closed state', () => {
    render(<RevertWindowNote revertableUntil={null} isPrivate={false} now={now} />);
    expect(screen.getByTestId('revert-window')).toHaveAttribute('data-state', 'closed');
    expect(screen.getByTestId('revert-window')).toHaveTextContent(/no longer be reverted/);
  });

  describe('counting down', () => {
    beforeEach(() => {
      vi.useFakeTimers();
      vi.setSystemTime(now);
    });
    afterEach(() => vi.useRealTimers());

    it('closes when the time runs out, without a reload', () => {
      render(<RevertWindowNote revertableUntil="2026-11-26T12:01:00Z" isPrivate={false} />);
      expect(screen.getByTestId('revert-window')).toHaveTextContent('can be reverted for 1 more minute');
      act(() => {
        vi.advanceTimersByTime(70_000);
      });
      expect(screen.getByTestId('revert-window')).toHaveAttribute('data-state', 'closed');
    });
  });
});

describe('RelativeTime', () => {
  it('puts the exact time in the title', () => {
    render(<RelativeTime value="2020-01-02T03:04:05Z" />);
    const t = screen.getByText(/ago/);
    expect(t.tagName).toBe('TIME');
    expect(t).toHaveAttribute('datetime', '2020-01-02T03:04:05Z');
    expect(t.getAttribute('title')).toMatch(/2020/);
  });
});

describe('ErrorMessage', () => {
  it("shows the API's message", () => {
    render(<ErrorMessage error={apiError('The revert window has closed.', 'WINDOW_CLOSED')} />);
    expect(screen.getByTestId('error-message')).toHaveTextContent('The revert window has closed.');
    expect(screen.getByRole('alert')).toBeInTheDocument();
  });

  it('shows nothing without an error', () => {
    const { container } = render(<ErrorMessage error={null} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('ConfirmButton', () => {
  it('asks before acting', async () => {
    const onConfirm = vi.fn();
    render(<ConfirmButton label="Revert" question="Really?" onConfirm={onConfirm} testId="revert-button" />);
    await userEvent.click(screen.getByTestId('revert-button'));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.getByText('Really?')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('confirm-button'));
    expect(onConfirm).toHaveBeenCalledOnce();
  });

  it('can be cancelled', async () => {
    const onConfirm = vi.fn();
    render(<ConfirmButton label="Remove" question="Sure?" onConfirm={onConfirm} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await userEvent.click(screen.getByTestId('cancel-button'));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.queryByText('Sure?')).not.toBeInTheDocument();
  });
});

describe('VersionList', () => {
  it("keeps the server's order and marks retired ones", () => {
    const v = (version: string, retirement: { reason: string; message: string } | null = null) => ({
      id: version,
      version,
      prerelease: version.includes('-'),
      publishedAt: '2026-01-01T00:00:00Z',
      downloads: 1,
      retirement,
    });
    render(
      <VersionList
        name="foo"
        repository={null}
        latest="1.10.0"
        versions={[v('2.0.0-rc.1'), v('1.10.0'), v('1.9.0', { reason: 'SECURITY', message: 'CVE-2026-1' }), v('1.2.0')]}
      />,
    );
    const rows = screen.getAllByTestId('version-row');
    expect(rows.map((r) => r.getAttribute('data-version'))).toEqual(['2.0.0-rc.1', '1.10.0', '1.9.0', '1.2.0']);
    const badge = screen.getByTestId('retired-badge');
    expect(badge).toHaveTextContent('retired: security issue');
    expect(rows[2]).toContainElement(badge);
    expect(rows[2]).toHaveTextContent('CVE-2026-1');
  });
});

describe('RetiredBadge', () => {
  it('shows reason and message', () => {
    render(<RetiredBadge retirement={{ reason: 'RENAMED', message: 'use bar' }} />);
    expect(screen.getByTestId('retired-badge')).toHaveTextContent('renamed');
    expect(screen.getByText(/use bar/)).toBeInTheDocument();
  });
});
