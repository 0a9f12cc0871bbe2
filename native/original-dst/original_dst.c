/*
 * originalDst(fd) -> { address, port, family }: the destination a connection had before an
 * iptables REDIRECT rewrote it, read with getsockopt(SO_ORIGINAL_DST) (IPv4) or
 * getsockopt(IP6T_SO_ORIGINAL_DST) (IPv6), as Envoy's original_dst listener filter does.
 * Throws an Error with the errno text when the socket has no original destination (ENOENT:
 * the connection was not redirected).
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter_ipv4.h>

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, err == ENOENT ? "ENOENT" : "EORIGDST", msg);
  return NULL;
}

static napi_value make_result(napi_env env, const char *address, int port, int family) {
  napi_value obj, a, p, f;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &a);
  napi_create_int32(env, port, &p);
  napi_create_int32(env, family, &f);
  napi_set_named_property(env, obj, "address", a);
  napi_set_named_property(env, obj, "port", p);
  napi_set_named_property(env, obj, "family", f);
  return obj;
}

static napi_value original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "originalDst(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &len) != 0) return throw_errno(env, "getsockname", errno);
  struct sockaddr_storage orig;
  memset(&orig, 0, sizeof orig);
  len = sizeof orig;
  char text[INET6_ADDRSTRLEN];
  if (local.ss_family == AF_INET6) {
    struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&local;
    if (IN6_IS_ADDR_V4MAPPED(&l6->sin6_addr)) {
      // An IPv4 connection on a dual-stack socket: the IPv4 option applies.
      if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &len) != 0) return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", errno);
    } else if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &orig, &len) != 0) {
      return throw_errno(env, "getsockopt(IP6T_SO_ORIGINAL_DST)", errno);
    }
  } else if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &len) != 0) {
    return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", errno);
  }
  if (orig.ss_family == AF_INET) {
    struct sockaddr_in *o = (struct sockaddr_in *)&orig;
    inet_ntop(AF_INET, &o->sin_addr, text, sizeof text);
    return make_result(env, text, ntohs(o->sin_port), 4);
  }
  if (orig.ss_family == AF_INET6) {
    struct sockaddr_in6 *o = (struct sockaddr_in6 *)&orig;
    inet_ntop(AF_INET6, &o->sin6_addr, text, sizeof text);
    return make_result(env, text, ntohs(o->sin6_port), 6);
  }
  napi_throw_error(env, "EORIGDST", "getsockopt(SO_ORIGINAL_DST): unknown address family");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, original_dst, NULL, &fn);
  napi_set_named_property(env, exports, "originalDst", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
