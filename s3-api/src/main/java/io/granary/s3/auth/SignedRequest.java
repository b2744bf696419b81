package io.granary.s3.auth;

import java.util.List;
import java.util.Set;

/** What signature verification needs to see of an HTTP request, exactly as it arrived. */
public interface SignedRequest {

  /** GET, PUT, ... */
  String method();

  /** The request path exactly as received, still percent-encoded, without the query. */
  String rawPath();

  /** The query string exactly as received (without '?'), or null. */
  String rawQuery();

  /** All values of a header, case-insensitively; empty if absent. */
  List<String> headers(String name);

  /** The names of all headers present (any case). */
  Set<String> headerNames();

  /** The first value of a header, or null. */
  default String header(String name) {
    List<String> v = headers(name);
    return v.isEmpty() ? null : v.get(0);
  }
}
