import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { Layout } from './Layout';
import { useAuth } from './use-auth';
import { AcceptInvitationPage, LoginPage, PasswordResetPage } from './pages/AuthPages';
import { AuditPage } from './pages/AuditPage';
import { ContainerPage } from './pages/ContainerPage';
import { DashboardPage } from './pages/DashboardPage';
import { DevicesPage } from './pages/DevicesPage';
import { MembersPage } from './pages/MembersPage';
import { MyAccountPage, MyContainersPage, MyDevicesPage } from './pages/MePages';
import { SessionsPage } from './pages/SessionsPage';
import { UsagePage } from './pages/UsagePage';

function RequireLogin() {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <Outlet />;
}

function RequireAdmin() {
  const { user } = useAuth();
  if (user?.role !== 'ADMIN') return <Navigate to="/me/containers" replace />;
  return <Outlet />;
}

function Home() {
  const { user } = useAuth();
  return <Navigate to={user?.role === 'ADMIN' ? '/group' : '/me/containers'} replace />;
}

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/invitations/accept" element={<AcceptInvitationPage />} />
        <Route path="/password-reset" element={<PasswordResetPage />} />
        <Route element={<RequireLogin />}>
          <Route element={<Layout />}>
            <Route index element={<Home />} />
            <Route element={<RequireAdmin />}>
              <Route path="/group" element={<DashboardPage />} />
              <Route path="/group/containers/:containerId" element={<ContainerPage />} />
              <Route path="/group/sessions" element={<SessionsPage />} />
              <Route path="/group/devices" element={<DevicesPage />} />
              <Route path="/group/members" element={<MembersPage />} />
              <Route path="/group/usage" element={<UsagePage />} />
              <Route path="/group/usage/:licenseId" element={<UsagePage />} />
              <Route path="/group/audit" element={<AuditPage />} />
            </Route>
            <Route path="/me/containers" element={<MyContainersPage />} />
            <Route path="/me/devices" element={<MyDevicesPage />} />
            <Route path="/me/account" element={<MyAccountPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Route>
      </Routes>
    </BrowserRouter>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This address is not a page of the portal. <a href="/">Go to the start page</a>.
      </p>
    </section>
  );
}
