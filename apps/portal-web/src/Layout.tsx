import { useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { logout } from './api';
import { useAuth } from './use-auth';

export function Layout() {
  const { user, vendor } = useAuth();
  const navigate = useNavigate();
  const [menuOpen, setMenuOpen] = useState(false);
  const admin = user?.role === 'ADMIN';
  const close = () => setMenuOpen(false);
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Leasehold <span className="muted">portal · {vendor}</span>
        </div>
        <button
          type="button"
          className="menu-toggle secondary small"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <div className="who">
          <span title={user?.email}>{user?.name}</span>
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              void logout().then(() => navigate('/login'));
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <nav id="nav" className={menuOpen ? 'nav open' : 'nav'} aria-label="Main">
        {admin && (
          <>
            <p className="nav-title">Group</p>
            <NavLink to="/group" end onClick={close}>
              Dashboard
            </NavLink>
            <NavLink to="/group/sessions" onClick={close}>
              Sessions
            </NavLink>
            <NavLink to="/group/devices" onClick={close}>
              Devices
            </NavLink>
            <NavLink to="/group/members" onClick={close}>
              Members
            </NavLink>
            <NavLink to="/group/usage" onClick={close}>
              Usage
            </NavLink>
            <NavLink to="/group/audit" onClick={close}>
              Audit log
            </NavLink>
          </>
        )}
        <p className="nav-title">Me</p>
        <NavLink to="/me/containers" onClick={close}>
          My containers
        </NavLink>
        <NavLink to="/me/devices" onClick={close}>
          My devices
        </NavLink>
        <NavLink to="/me/account" onClick={close}>
          My account
        </NavLink>
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
