/**
 * @module Server-level admin endpoints (Envoy's ServerInfoHandler and ServerCmdHandler):
 * /ready, /server_info, /memory, /hot_restart_version, /certs and the POST commands.
 */
import { TSMESH_VERSION } from '../../version.js';
import { type AdminHandler, type AdminRequest, hasParam, json, text } from './admin-handler.js';

/** Envoy's version string is `<sha>/<version>/<Clean|Modified>/<RELEASE|DEBUG>/<TLS library>`. */
export function versionString(version: string = TSMESH_VERSION): string {
  return `tsmesh/${version}/Clean/RELEASE/BoringSSL`;
}

/** We have no hot restart; Envoy prints its shared-memory layout version here. */
export const HOT_RESTART_VERSION = 'disabled';

/**
 * admin.v3.CommandLineOptions as Envoy prints it: every field, in declaration order, defaults
 * included (Envoy renders /server_info with always_print_primitive_fields), with tsmesh's values
 * where it has them. `given` (the source's options) overrides the defaults.
 */
export function commandLineOptions(given: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    base_id: '0',
    use_dynamic_base_id: false,
    base_id_path: '',
    // One event loop: tsmesh serves every listener from a single thread.
    concurrency: 1,
    config_path: '',
    config_yaml: '',
    allow_unknown_static_fields: false,
    reject_unknown_dynamic_fields: false,
    ignore_unknown_dynamic_fields: false,
    admin_address_path: '',
    local_address_ip_version: 'v4',
    log_level: 'info',
    component_log_level: '',
    log_format: '[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v',
    log_format_escaped: false,
    log_path: '',
    service_cluster: '',
    service_node: '',
    service_zone: '',
    file_flush_interval: '10s',
    drain_time: '600s',
    drain_strategy: 'Gradual',
    parent_shutdown_time: '900s',
    mode: 'Serve',
    // There is no hot restart in tsmesh.
    disable_hot_restart: true,
    enable_mutex_tracing: false,
    restart_epoch: 0,
    cpuset_threads: false,
    disabled_extensions: [],
    bootstrap_version: 0,
    enable_fine_grain_logging: false,
    socket_path: '@envoy_domain_socket',
    socket_mode: 0,
    enable_core_dump: false,
  };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) out[key] = key in given ? given[key] : defaults[key];
  // Anything the source reports that Envoy does not have goes last rather than being dropped.
  for (const key of Object.keys(given)) if (!(key in out)) out[key] = given[key];
  return out;
}

function serverInfo(req: AdminRequest, version: string): Record<string, unknown> {
  const { source } = req;
  const uptime = `${Math.max(0, Math.floor(source.uptimeSeconds()))}s`;
  // Field order follows admin.v3.ServerInfo field numbers, as protobuf's JSON printer does.
  return {
    version,
    state: source.state(),
    uptime_current_epoch: uptime,
    uptime_all_epochs: uptime,
    hot_restart_version: HOT_RESTART_VERSION,
    command_line_options: commandLineOptions(source.commandLineOptions()),
    node: source.node(),
  };
}

/** The handlers of this group; `version` is the version string /server_info reports. */
export function serverInfoHandlers(version: string): AdminHandler[] {
  const ok = text('OK\n');
  return [
    {
      path: '/ready',
      help: 'print server state, return 200 if LIVE, otherwise return 503',
      mutatesState: false,
      handle: (req) => {
        const state = req.source.state();
        return text(`${state}\n`, state === 'LIVE' ? 200 : 503);
      },
    },
    {
      path: '/server_info',
      help: 'print server version/status information',
      mutatesState: false,
      handle: (req) => json(serverInfo(req, version)),
    },
    {
      path: '/memory',
      help: 'print current allocation/heap usage',
      mutatesState: false,
      handle: () => {
        const m = process.memoryUsage();
        // admin.v3.Memory: uint64 fields print as strings in proto3 JSON.
        return json({
          allocated: String(m.heapUsed),
          heap_size: String(m.heapTotal),
          pageheap_unmapped: '0',
          pageheap_free: String(Math.max(0, m.heapTotal - m.heapUsed)),
          total_thread_cache: '0',
          total_physical_bytes: String(m.rss),
        });
      },
    },
    {
      path: '/hot_restart_version',
      help: 'print the hot restart compatibility version',
      mutatesState: false,
      handle: () => text(HOT_RESTART_VERSION),
    },
    {
      path: '/certs',
      help: 'print certs on machine',
      mutatesState: false,
      handle: (req) => json(req.source.certs?.() ?? { certificates: [] }),
    },
    {
      path: '/quitquitquit',
      help: 'exit the server',
      mutatesState: true,
      handle: (req) => ({ ...ok, after: () => req.source.quit() }),
    },
    {
      path: '/healthcheck/fail',
      help: 'cause the server to fail health checks',
      mutatesState: true,
      handle: (req) => {
        req.source.setHealthCheckFailed(true);
        return ok;
      },
    },
    {
      path: '/healthcheck/ok',
      help: 'cause the server to pass health checks',
      mutatesState: true,
      handle: (req) => {
        req.source.setHealthCheckFailed(false);
        return ok;
      },
    },
    {
      path: '/drain_listeners',
      help: 'drain listeners',
      mutatesState: true,
      handle: (req) => {
        req.source.drainListeners({
          inboundOnly: hasParam(req.query, 'inboundonly'),
          graceful: hasParam(req.query, 'graceful'),
        });
        return ok;
      },
    },
    {
      path: '/reset_counters',
      help: 'reset all counters to zero',
      mutatesState: true,
      handle: (req) => {
        req.source.stats.resetCounters();
        return ok;
      },
    },
  ];
}
