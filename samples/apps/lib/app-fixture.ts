import { findAppImage, type RunningApp } from '../catalog.js';
import { freePort } from './forward-proxy.fixture.js';

/** Starts a catalog app on 127.0.0.1 for a test, on a free port given as its pod-spec port; logs are collected. */
export async function startApp(
  image: string,
  env: Record<string, string> = {},
): Promise<{ app: RunningApp; base: string; logs: string[] }> {
  const found = findAppImage(image);
  if (found === undefined) throw new Error(`no app for ${image}`);
  const logs: string[] = [];
  const port = await freePort();
  const app = await found.app.start({ env, host: '127.0.0.1', log: (l) => logs.push(l) }, [port], found.tag);
  return { app, base: `http://127.0.0.1:${app.ports[0]}`, logs };
}
