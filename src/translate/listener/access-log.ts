/**
 * Istio's default access log (MeshConfig accessLogFile, accessLogEncoding TEXT): a file access
 * logger with Istio's text format on every HTTP connection manager and TCP proxy it builds.
 */
import type { MeshConfig } from '../../model/mesh-config.js';
import type { EnvoyJson } from '../generated.js';

/** Istio's EnvoyTextLogFormat (pilot/pkg/model/telemetry_logging.go), byte for byte. */
export const ISTIO_TEXT_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% ' +
  '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

const FILE_ACCESS_LOG_TYPE_URL = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** The access_log list for a connection manager or TCP proxy; empty when the mesh has access logs off. */
export function buildAccessLog(mesh: MeshConfig): EnvoyJson[] {
  if (mesh.accessLogFile === '') return [];
  return [
    {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': FILE_ACCESS_LOG_TYPE_URL,
        path: mesh.accessLogFile,
        log_format: { text_format_source: { inline_string: ISTIO_TEXT_LOG_FORMAT } },
      },
    },
  ];
}
