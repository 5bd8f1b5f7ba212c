import { Component, type ReactNode } from 'react';

/** Keeps one broken page (or a failed chunk load) from blanking the app. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return (
        <section>
          <h1>Something went wrong</h1>
          <p className="error" role="alert" data-testid="error-message">
            {this.state.error.message}
          </p>
          <button type="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </section>
      );
    }
    return this.props.children;
  }
}
