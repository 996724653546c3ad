import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { LiftoffProvider } from '@/components/liftoff-provider';
import { Nav } from '@/components/nav';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Liftoff starter', template: '%s · Liftoff starter' },
  description: 'A Next.js front end for a Liftoff API.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Read at request time, not baked in at build time: one build serves any API (LIFTOFF_API_URL).
  await connection();
  const apiUrl = process.env.LIFTOFF_API_URL ?? 'http://localhost:8787';
  return (
    <html lang="en">
      <body>
        <LiftoffProvider apiUrl={apiUrl}>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <Nav />
          <main id="main">{children}</main>
        </LiftoffProvider>
      </body>
    </html>
  );
}
