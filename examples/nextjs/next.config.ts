import type { NextConfig } from 'next';

const config: NextConfig = {
  poweredByHeader: false,
  // The pages that emails link to carry a one-time token in their URL: no Referer may take it to
  // another site (a link, an image, a script's request).
  async headers() {
    return ['/verify-email', '/reset-password'].map((source) => ({
      source,
      headers: [{ key: 'Referrer-Policy', value: 'no-referrer' }],
    }));
  },
};

export default config;
