import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { Link, navigate, paths, useLocation } from '../router';
import { useSession, useViewer } from '../session';

const SignOutDocument = graphql(`
  mutation SignOut {
    signOut(input: {}) {
      ok
    }
  }
`);

export function Header() {
  const { viewer, loading } = useViewer();
  const { reset } = useSession();
  const [, signOut] = useMutation(SignOutDocument);
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setMenuOpen(false), [pathname]);

  async function doSignOut() {
    await signOut({});
    reset();
    navigate('/');
  }

  return (
    <header className="site-header">
      <div className="header-inner">
        <Link to="/" className="brand" aria-label="Depot home">
          <span aria-hidden="true" className="brand-mark">◆</span> Depot
        </Link>
        <SearchBox />
        <button
          type="button"
          className="menu-toggle secondary"
          aria-expanded={menuOpen}
          aria-controls="site-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <nav id="site-nav" className={menuOpen ? 'site-nav open' : 'site-nav'} aria-label="Main">
          {loading ? null : viewer ? (
            <>
              <Link to="/publish">Publish</Link>
              <Link to={paths.user(viewer.username)} data-testid="viewer-username">
                {viewer.username}
              </Link>
              <Link to="/settings">Settings</Link>
              <Link to="/audit">Audit log</Link>
              <button type="button" className="link-button" onClick={doSignOut} data-testid="signout-button">
                Sign out
              </button>
            </>
          ) : (
            <>
              <Link to="/signin" data-testid="signin-link">
                Sign in
              </Link>
              <Link to="/signup" className="button-link" data-testid="signup-link">
                Sign up
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}

/**
 * The one search input. Typing shows results as you type: it moves to
 * /search?q=… (replacing the history entry while on the search page).
 */
function SearchBox() {
  const { pathname, search } = useLocation();
  const onSearch = pathname === '/search';
  const urlQ = onSearch ? (search.get('q') ?? '') : '';
  const [value, setValue] = useState(urlQ);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  // Follow the URL (back/forward, links) unless the user is mid-typing.
  useEffect(() => {
    if (!timer.current) setValue(urlQ);
  }, [urlQ]);

  function go(q: string) {
    clearTimeout(timer.current);
    timer.current = undefined;
    navigate(paths.search(q.trim()), { replace: window.location.pathname === '/search' });
  }

  function onChange(q: string) {
    setValue(q);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => go(q), 200);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    go(value);
  }

  return (
    <form role="search" className="search-box" onSubmit={onSubmit}>
      <label htmlFor="search-input" className="visually-hidden">
        Search packages
      </label>
      <input
        id="search-input"
        type="search"
        placeholder="Search packages"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        data-testid="search-input"
      />
    </form>
  );
}
