package io.granary.s3.http;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.auth.AuthContext;
import io.granary.s3.auth.PayloadStream;
import io.granary.s3.xml.XmlReader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One request in flight, as a handler on a worker thread sees it: the classified request, who
 * signed it, its body as a verified stream, and ways to answer. Response methods may be called
 * from the worker; Vert.x runs them on the connection's event loop.
 */
public final class S3Exchange {
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final int CHUNK = 1 << 20;

  private final S3Request request;
  private final AuthContext auth;
  private final Context context;
  private final String region;
  private RequestBodyStream raw;
  private PayloadStream payload;

  S3Exchange(S3Request request, AuthContext auth, Context context, String region) {
    this.request = request;
    this.auth = auth;
    this.context = context;
    this.region = region;
  }

  public S3Request request() {
    return request;
  }

  public AuthContext auth() {
    return auth;
  }

  public String region() {
    return region;
  }

  public HttpServerResponse response() {
    return request.http().response();
  }

  /** Attaches the body stream on the event loop and starts it; call once per request. */
  void attachBody() {
    raw = new RequestBodyStream(request.http(), context);
    raw.start();
  }

  /** The same, running {@code whenDone} on the event loop once the whole (small) body is buffered. */
  void attachBufferedBody(Runnable whenDone) {
    raw = new RequestBodyStream(request.http(), context);
    raw.startBuffered(whenDone);
  }

  /** The decoded, verified object body (aws-chunked, signatures, checksums, Content-MD5). */
  public PayloadStream body() {
    if (payload == null) {
      payload = PayloadStream.wrap(raw, auth, request);
    }
    return payload;
  }

  /** A small XML request body, bounded and parsed with entities off. */
  public com.fasterxml.jackson.databind.JsonNode xmlBody() throws IOException {
    PayloadStream in = body();
    byte[] bytes = in.readNBytes(XmlReader.MAX_BYTES + 1);
    if (in.read() >= 0 || bytes.length > XmlReader.MAX_BYTES) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "request body larger than " + XmlReader.MAX_BYTES + " bytes");
    }
    return XmlReader.parse(bytes);
  }

  /**
   * The object length the client declared: x-amz-decoded-content-length for aws-chunked bodies,
   * else Content-Length. MissingContentLength when neither is there.
   */
  public long declaredLength() {
    String decoded = request.header("x-amz-decoded-content-length");
    String length = decoded != null ? decoded : request.header("Content-Length");
    if (length == null) {
      throw new S3Exception(S3ErrorCode.MISSING_CONTENT_LENGTH);
    }
    try {
      long n = Long.parseLong(length.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "invalid length " + length);
    }
  }

  // ---- answers -----------------------------------------------------------------------------

  public void xml(int status, String document) {
    HttpServerResponse r = response();
    r.setStatusCode(status).putHeader("Content-Type", "application/xml");
    await(r.end(document));
  }

  public void empty(int status) {
    await(response().setStatusCode(status).end());
  }

  /** Sends a file range with sendfile; false if the file is gone (evicted), so the caller can stream. */
  public boolean sendFile(String path, long offset, long length) {
    try {
      awaitChecked(response().sendFile(path, offset, length));
      return true;
    } catch (IOException e) {
      if (response().headWritten()) {
        throw new S3Exception(S3ErrorCode.INTERNAL_ERROR, "sendfile failed after the headers were sent: " + e.getMessage(), e);
      }
      return false;
    }
  }

  /** Copies a stream to the response, waiting for the connection to drain when its queue fills. */
  public void stream(InputStream in, long length) throws IOException {
    HttpServerResponse r = response();
    r.putHeader("Content-Length", Long.toString(length));
    byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(length, 1))];
    long sent = 0;
    while (sent < length) {
      int n = in.read(chunk, 0, (int) Math.min(chunk.length, length - sent));
      if (n < 0) {
        throw new IOException("object ended after " + sent + " of " + length + " bytes");
      }
      Future<Void> written = r.write(Buffer.buffer(n).appendBytes(chunk, 0, n));
      sent += n;
      if (r.writeQueueFull()) {
        awaitChecked(written);
      }
    }
    await(r.end());
  }

  public static String httpDate(long ms) {
    return HTTP_DATE.format(Instant.ofEpochMilli(ms));
  }

  public static String isoDate(long ms) {
    return ISO.format(Instant.ofEpochMilli(ms));
  }

  static void await(Future<?> f) {
    try {
      awaitChecked(f);
    } catch (IOException e) {
      throw new S3Exception(S3ErrorCode.INTERNAL_ERROR, "writing the response failed: " + e.getMessage(), e);
    }
  }

  private static void awaitChecked(Future<?> f) throws IOException {
    CompletableFuture<?> cf = f.toCompletionStage().toCompletableFuture();
    try {
      cf.get(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause() == null ? "failed" : e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("timed out writing the response", e);
    }
  }
}
