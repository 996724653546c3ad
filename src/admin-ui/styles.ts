// The admin dashboard's stylesheet: plain, readable, no framework.
export const ADMIN_CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.5rem;background:#1f2937;color:#fff}
header h1{font-size:1.1rem;margin:0;flex:1}
main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem;margin:1rem 0}
h2{margin-top:0;font-size:1.1rem}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
tbody tr[data-id]{cursor:pointer}tbody tr[data-id]:hover,tbody tr[data-id]:focus{background:#eef2ff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
form{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin-bottom:.75rem}
label{display:flex;flex-direction:column;font-size:13px;gap:.2rem}
input{padding:.4rem;border:1px solid #cbd5e1;border-radius:4px;font:inherit}
button{padding:.4rem .8rem;border:1px solid #1f6feb;background:#1f6feb;color:#fff;border-radius:4px;font:inherit;cursor:pointer}
button.secondary,header button{background:#fff;color:#1f6feb}
.actions{display:flex;gap:.5rem;margin:.5rem 0}
td button{padding:.1rem .5rem;font-size:13px}td button:disabled{opacity:.5;cursor:default}
#detail-keys td:nth-child(2),#org-keys td:nth-child(2){font-family:ui-monospace,monospace;white-space:nowrap}
#status{max-width:1100px;margin:.5rem auto 0;padding:0 1.5rem;min-height:1.5em}
#status.error{color:#b91c1c}
`;
