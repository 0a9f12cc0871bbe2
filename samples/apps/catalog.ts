import { detailsImage } from './bookinfo/details.js';
import { productpageImage } from './bookinfo/productpage.js';
import { ratingsImage } from './bookinfo/ratings.js';
import { reviewsImage } from './bookinfo/reviews.js';
import { httpbinImage } from './httpbin.js';
import { parseImageRef, normalizeRepository } from './image-ref.js';
import { customersImage, helloWorldImage, istioHelloworldImage, sleepImage } from './simple-apps.js';
import { webFrontendImage } from './web-frontend.js';

/**
 * The known container images of the labs and Istio's samples, each mapped to a TypeScript app
 * that behaves like it. The local platform looks a pod's image up here and starts the app in
 * place of the container (in-process with `start`, or in its own process with run-app.ts).
 */

export interface AppContext {
  /** The container's env (POD_IP, POD_NAME, POD_NAMESPACE, HOST, PORT, HTTP_PROXY/http_proxy may be set). */
  readonly env: Readonly<Record<string, string>>;
  /** Address to bind (e.g. 127.11.0.5); apps bind exactly this. */
  readonly host: string;
  /** One log line (what `tsmesh logs` shows); apps log each request roughly as the real image does. */
  readonly log: (line: string) => void;
}

export interface RunningApp {
  readonly ports: readonly number[];
  close(): Promise<void>;
}

export interface AppImage {
  /** Repository without tag, e.g. 'gcr.io/tetratelabs/customers'. */
  readonly image: string;
  /** Accepted tags; undefined = any tag. */
  readonly tags?: readonly string[];
  readonly describe: string;
  /** Starts the app in this process. `ports`: container ports from the pod spec (apps listen on them; an app with no pod-spec ports uses its image default). */
  start(ctx: AppContext, ports: readonly number[], tag: string): Promise<RunningApp>;
}

export const APP_IMAGES: readonly AppImage[] = [
  helloWorldImage,
  customersImage,
  webFrontendImage,
  httpbinImage('docker.io/mccutchen/go-httpbin', 'go', 8080),
  httpbinImage('docker.io/kennethreitz/httpbin', 'python', 80),
  // Istio's httpbin.yaml before 1.23 ran kong/httpbin with gunicorn bound to 8080 (its containerPort).
  httpbinImage('docker.io/kong/httpbin', 'python', 80),
  sleepImage,
  productpageImage,
  detailsImage,
  ratingsImage,
  reviewsImage('v1'),
  reviewsImage('v2'),
  reviewsImage('v3'),
  istioHelloworldImage('v1'),
  istioHelloworldImage('v2'),
];

const BY_REPOSITORY: ReadonlyMap<string, AppImage> = new Map(APP_IMAGES.map((a) => [normalizeRepository(a.image), a]));

/**
 * The app for an image reference such as 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2',
 * 'istio/examples-bookinfo-reviews-v2:1.20.2' (Docker Hub implied) or 'curlimages/curl' (tag
 * 'latest'); undefined when the repository is unknown or the tag is not one the app imitates.
 */
export function findAppImage(imageRef: string): { app: AppImage; tag: string } | undefined {
  const ref = parseImageRef(imageRef);
  if (ref === undefined) return undefined;
  const app = BY_REPOSITORY.get(ref.repository);
  if (app === undefined) return undefined;
  if (app.tags !== undefined && !app.tags.includes(ref.tag)) return undefined;
  return { app, tag: ref.tag };
}
