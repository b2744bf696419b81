package io.granary.gateway.s3;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Requests a well-behaved SDK would never send, signed with the real AWS signer and written to a
 * plain socket, so a test controls every byte (a body cut short, a hostile XML document).
 */
final class RawS3 {
  private final URI endpoint;

  RawS3(URI endpoint) {
    this.endpoint = endpoint;
  }

  /** A response as read off the wire. */
  record Response(int status, Map<String, String> headers, String body) {
    String errorCode() {
      int a = body.indexOf("<Code>");
      int b = body.indexOf("</Code>");
      return a < 0 || b < 0 ? "" : body.substring(a + 6, b);
    }
  }

  /** Headers of a request signed for {@code body} (sha256 payload hash) at {@code signingTime}. */
  Map<String, List<String>> sign(String method, String encodedPath, String rawQuery, Map<String, String> headers,
      byte[] body, Instant signingTime, String secret) {
    return sign(endpoint.getHost(), method, encodedPath, rawQuery, headers, body, signingTime, secret);
  }

  /** The same, for a request addressed to {@code host} (virtual-host style) but sent to the endpoint. */
  Map<String, List<String>> sign(String host, String method, String encodedPath, String rawQuery, Map<String, String> headers,
      byte[] body, Instant signingTime, String secret) {
    SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
        .protocol("http").host(host).port(endpoint.getPort()).encodedPath(encodedPath);
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        // the signer takes decoded values and encodes them itself
        b.appendRawQueryParameter(java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
            eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    headers.forEach(b::putHeader);
    b.putHeader("Content-Length", Integer.toString(body.length));
    SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
        .identity(AwsCredentialsIdentity.create(S3TestGateway.ACCESS_KEY, secret))
        .request(b.build())
        .payload(() -> new ByteArrayInputStream(body))
        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
        .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true)
        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signingTime, ZoneOffset.UTC))).request();
    return signed.headers();
  }

  /** Sends a signed request and reads the answer. */
  Response send(String method, String encodedPath, String rawQuery, Map<String, String> headers, byte[] body) throws IOException {
    return sendSigned(method, encodedPath, rawQuery, sign(method, encodedPath, rawQuery, headers, body, Instant.now(),
        S3TestGateway.SECRET_KEY), body, body.length);
  }

  /**
   * Writes the request line, the given headers and the first {@code sendBytes} of the body, then
   * half-closes the socket if the body was cut short, and reads what the server answers.
   */
  Response sendSigned(String method, String encodedPath, String rawQuery, Map<String, List<String>> headers, byte[] body,
      int sendBytes) throws IOException {
    try (Socket s = new Socket(endpoint.getHost(), endpoint.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(encodedPath).append(rawQuery == null ? "" : "?" + rawQuery).append(" HTTP/1.1\r\n");
      headers.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ").append(v).append("\r\n")));
      if (headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Host"))) {
        head.append("Host: ").append(endpoint.getHost()).append(':').append(endpoint.getPort()).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.UTF_8));
      out.write(body, 0, Math.min(sendBytes, body.length));
      out.flush();
      if (sendBytes < body.length) {
        s.shutdownOutput(); // the client gives up mid-body
      }
      return read(s.getInputStream());
    }
  }

  /** Sends raw bytes as they are and reads the answer. */
  Response sendBytes(byte[] request) throws IOException {
    try (Socket s = new Socket(endpoint.getHost(), endpoint.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      return read(s.getInputStream());
    }
  }

  private static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    try {
      while ((n = in.read(buf)) >= 0) {
        all.write(buf, 0, n);
      }
    } catch (java.net.SocketException e) {
      // the server closed after answering
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return new Response(-1, Map.of(), text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, c).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(c + 1).trim());
    }
    return new Response(status, headers, text.substring(end + 4));
  }
}
