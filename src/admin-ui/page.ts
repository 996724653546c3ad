// The admin dashboard's HTML shell; the behaviour lives in browser/admin.ts, the look in styles.ts.
export const ADMIN_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liftoff admin</title>
<link rel="stylesheet" href="/admin/admin.css">
<script type="module" src="/admin/admin.js"></script>
</head>
<body>
<header><h1>Liftoff admin</h1><span id="who" aria-live="polite"></span><button id="logout" type="button" hidden>Sign out</button></header>
<p id="status" role="status" aria-live="polite"></p>
<main>
  <section id="signin" hidden aria-labelledby="signin-title">
    <h2 id="signin-title">Sign in</h2>
    <form id="signin-form">
      <label>Email <input name="email" type="email" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
    </form>
  </section>
  <div id="app" hidden>
    <section aria-labelledby="stats-title">
      <h2 id="stats-title">Stats</h2>
      <dl id="stats"></dl>
    </section>
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <form id="search-form" role="search">
        <label>Search email or name <input name="q" type="search"></label>
        <button type="submit">Search</button>
      </form>
      <table id="users"><thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Verified</th><th>Status</th><th>Created</th></tr></thead><tbody></tbody></table>
      <button id="more-users" type="button" hidden>Load more</button>
    </section>
    <section id="detail" hidden aria-labelledby="detail-title">
      <h2 id="detail-title">User</h2>
      <dl id="detail-fields"></dl>
      <div class="actions">
        <button id="toggle-disabled" type="button"></button>
        <button id="toggle-role" type="button"></button>
        <button id="revoke-sessions" type="button">Revoke all sessions</button>
        <button id="reset-second-factor" type="button" title="For a user who lost their phone or passkeys">Reset second factor</button>
      </div>
      <h3>Sessions</h3>
      <table id="detail-sessions"><thead><tr><th>Started</th><th>Last used</th><th>Method</th><th>Address</th><th>User agent</th></tr></thead><tbody></tbody></table>
      <h3>API keys</h3>
      <table id="detail-keys"><thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Status</th><th>Created</th><th>Last used</th><th>Expires</th><th>Actions</th></tr></thead><tbody></tbody></table>
      <h3>Linked providers</h3>
      <ul id="detail-accounts"></ul>
      <h3>Organizations</h3>
      <ul id="detail-orgs"></ul>
    </section>
    <section aria-labelledby="orgs-title">
      <h2 id="orgs-title">Organizations</h2>
      <form id="org-search-form" role="search">
        <label>Search name or slug <input name="q" type="search"></label>
        <button type="submit">Search</button>
      </form>
      <table id="orgs"><thead><tr><th>Name</th><th>Slug</th><th>Members</th><th>Subscription</th><th>Created</th></tr></thead><tbody></tbody></table>
      <button id="more-orgs" type="button" hidden>Load more</button>
    </section>
    <section id="org-detail" hidden aria-labelledby="org-detail-title">
      <h2 id="org-detail-title">Organization</h2>
      <dl id="org-fields"></dl>
      <h3>Members</h3>
      <p id="org-members-note" hidden></p>
      <table id="org-members"><thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Joined</th></tr></thead><tbody></tbody></table>
      <h3>Pending invitations</h3>
      <table id="org-invitations"><thead><tr><th>Email</th><th>Role</th><th>Invited</th><th>Expires</th></tr></thead><tbody></tbody></table>
      <h3>API keys</h3>
      <table id="org-keys"><thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Status</th><th>Created</th><th>Last used</th><th>Expires</th><th>Actions</th></tr></thead><tbody></tbody></table>
    </section>
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form id="audit-form">
        <label>User id <input name="user_id"></label>
        <label>Action <input name="action" placeholder="login.*"></label>
        <button type="submit">Filter</button>
      </form>
      <table id="audit"><thead><tr><th>Time</th><th>Action</th><th>User</th><th>Actor</th><th>Address</th><th>Details</th></tr></thead><tbody></tbody></table>
      <button id="more-audit" type="button" hidden>Load more</button>
    </section>
  </div>
</main>
</body>
</html>`;
