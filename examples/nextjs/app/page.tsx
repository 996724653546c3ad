import { Home } from './home';

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { deleted } = await searchParams;
  return <Home deleted={deleted === '1'} />;
}
