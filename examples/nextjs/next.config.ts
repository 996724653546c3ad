import type { NextConfig } from 'next';

// Pages whose URL carries a one-time token (the links in emails).
const TOKEN_PAGES = ['/verify-email', '/reset-password', '/invitations/accept'];

const config: NextConfig = {
  poweredByHeader: false,
  // Pages name app/icon.svg, yet browsers still ask for /favicon.ico now and then (for a JSON answer,
  // which names no icon; Chromium once in a while in the browser test): the same icon, not a 404.
  async rewrites() {
    return [{ source: '/favicon.ico', destination: '/icon.svg' }];
  },
  async headers() {
    return [
      {
        // Every response. No other site may frame these pages (clickjacking a sign-in or a "Delete
        // my account"): X-Frame-Options for old browsers, CSP frame-ancestors for the others. Only
        // that CSP directive: a full Content-Security-Policy for Next.js needs nonces or hashes
        // for its inline scripts (see the README).
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          // Other sites see this origin as the Referer, never a path or query.
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
        ],
      },
      // The pages that emails link to carry a one-time token in their URL: no Referer may take it
      // to another site (a link, an image, a script's request). A later entry setting the same
      // header wins over an earlier one (Next.js's rule), so these pages send only no-referrer.
      ...TOKEN_PAGES.map((source) => ({
        source,
        headers: [{ key: 'Referrer-Policy', value: 'no-referrer' }],
      })),
    ];
  },
};

export default config;
