package io.granary.s3.auth;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A request as the server sees it on the wire: raw path and query, headers in any case. */
record WireRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headerMap)
    implements SignedRequest {

  WireRequest {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headerMap.forEach((k, v) -> copy.merge(k, List.copyOf(v), (a, b) -> {
      throw new IllegalArgumentException("duplicate header " + k);
    }));
    headerMap = copy;
  }

  static WireRequest of(String method, String rawPath, String rawQuery, Map<String, String> headers) {
    Map<String, List<String>> multi = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((k, v) -> multi.put(k, List.of(v)));
    return new WireRequest(method, rawPath, rawQuery, multi);
  }

  @Override
  public List<String> headers(String name) {
    return headerMap.getOrDefault(name, List.of());
  }

  @Override
  public Set<String> headerNames() {
    return headerMap.keySet();
  }

  WireRequest withHeader(String name, String... values) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    copy.putAll(headerMap);
    copy.put(name, List.of(values));
    return new WireRequest(method, rawPath, rawQuery, copy);
  }

  WireRequest withoutHeader(String name) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    copy.putAll(headerMap);
    copy.remove(name);
    return new WireRequest(method, rawPath, rawQuery, copy);
  }

  WireRequest withMethod(String newMethod) {
    return new WireRequest(newMethod, rawPath, rawQuery, headerMap);
  }

  WireRequest withPath(String newRawPath) {
    return new WireRequest(method, newRawPath, rawQuery, headerMap);
  }

  WireRequest withQuery(String newRawQuery) {
    return new WireRequest(method, rawPath, newRawQuery, headerMap);
  }
}
