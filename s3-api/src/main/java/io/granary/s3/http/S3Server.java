package io.granary.s3.http;

import io.granary.s3.S3Backend;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.S3Operation;
import io.granary.s3.auth.AuthContext;
import io.granary.s3.auth.CredentialsProvider;
import io.granary.s3.auth.PayloadException;
import io.granary.s3.auth.SigV4Verifier;
import io.granary.s3.handler.BucketHandlers;
import io.granary.s3.handler.MultipartHandlers;
import io.granary.s3.handler.ObjectHandlers;
import io.granary.s3.xml.XmlWriter;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 front door: every request is classified, authenticated (SigV4 header, presigned URL or
 * streaming signatures), then handed to a handler on a worker pool, which calls the
 * {@link S3Backend} and renders the result or the error XML. Request bodies stream to the backend
 * with backpressure; no request is buffered whole.
 */
public final class S3Server {
  private static final Logger LOG = LoggerFactory.getLogger(S3Server.class);

  /** Settings of the S3 listener. */
  /**
   * Settings of the S3 listener. {@code eventLoops}: how many server instances share the port, each
   * on its own event loop (Vert.x hands every connection to one of them, round robin); one
   * instance would serve every connection from a single thread.
   */
  public record Options(String host, int port, String region, List<String> domains, Set<String> publicReadBuckets,
      int workerThreads, int eventLoops) {}

  private final S3Backend backend;
  private final SigV4Verifier verifier;
  private final Options options;
  private final BucketHandlers buckets;
  private final ObjectHandlers objects;
  private final MultipartHandlers multipart;
  private final AtomicLong requestCounter = new AtomicLong();
  private final String idPrefix = Long.toHexString(System.nanoTime() & 0xffffff).toUpperCase(java.util.Locale.ROOT);
  private final List<HttpServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private WorkerExecutor workers;

  public S3Server(S3Backend backend, CredentialsProvider credentials, Options options, Clock clock) {
    this.backend = backend;
    this.verifier = new SigV4Verifier(credentials, clock);
    this.options = options;
    this.buckets = new BucketHandlers(backend);
    this.objects = new ObjectHandlers(backend);
    this.multipart = new MultipartHandlers(backend, objects);
  }

  public Future<HttpServer> listen(Vertx vertx) {
    workers = vertx.createSharedWorkerExecutor("granary-s3", options.workerThreads());
    HttpServerOptions http = new HttpServerOptions()
        .setHost(options.host())
        .setPort(options.port())
        .setMaxHeaderSize(16 * 1024)
        .setMaxInitialLineLength(8 * 1024)
        .setIdleTimeout(120)
        .setCompressionSupported(false)
        .setTcpNoDelay(true);
    // one deployment of N instances, each on its own event loop, sharing one port (also when 0)
    return listenOn(vertx, http, Math.max(1, options.eventLoops())).map(ignored -> servers.get(0));
  }

  private Future<String> listenOn(Vertx vertx, HttpServerOptions http, int instances) {
    return vertx.deployVerticle(() -> (Deployable) context -> context.owner().createHttpServer(http)
        .requestHandler(this::handle)
        .invalidRequestHandler(this::invalid)
        .listen()
        .onSuccess(servers::add), new DeploymentOptions().setInstances(instances));
  }

  public int port() {
    return servers.get(0).actualPort();
  }

  private String nextRequestId() {
    return idPrefix + String.format("%012X", requestCounter.incrementAndGet());
  }

  /** Requests the HTTP codec could not parse (oversized headers, bad request line). */
  private void invalid(HttpServerRequest r) {
    String id = nextRequestId();
    S3ErrorCode code = r.decoderResult().cause() instanceof io.netty.handler.codec.TooLongFrameException
        ? S3ErrorCode.REQUEST_HEADER_SECTION_TOO_LARGE : S3ErrorCode.INVALID_REQUEST;
    HttpServerResponse resp = r.response();
    resp.putHeader("x-amz-request-id", id).putHeader("Connection", "close");
    resp.setStatusCode(code.status()).putHeader("Content-Type", "application/xml")
        .end(errorXml(code, "the request could not be parsed: " + r.decoderResult().cause(), "/", id))
        .onComplete(v -> r.connection().close());
  }

  private void handle(HttpServerRequest r) {
    r.pause();
    String id = nextRequestId();
    HttpServerResponse resp = r.response();
    resp.putHeader("x-amz-request-id", id).putHeader("x-amz-id-2", id).putHeader("Server", "Granary");
    Context context = Vertx.currentContext();
    S3Request req;
    AuthContext auth;
    try {
      req = S3Request.parse(r, id, options.domains());
      auth = verifier.verify(req);
      authorize(req, auth);
    } catch (S3Exception e) {
      rejectEarly(r, e.code(), e.getMessage(), id);
      return;
    } catch (RuntimeException e) {
      LOG.error("request {} {} {} failed before dispatch", id, r.method(), r.path(), e);
      rejectEarly(r, S3ErrorCode.INTERNAL_ERROR, S3ErrorCode.INTERNAL_ERROR.message(), id);
      return;
    }
    S3Operation op = req.operation();
    if (op == S3Operation.GET_OBJECT || op == S3Operation.HEAD_OBJECT) {
      S3Request fastReq = req;
      AuthContext fastAuth = auth;
      if (objects.tryCachedGet(req, op == S3Operation.HEAD_OBJECT, () -> runOnWorker(fastReq, fastAuth, context))) {
        return; // served from a cached block on the event loop
      }
    }
    runOnWorker(req, auth, context);
  }

  /** Runs the request's handler on the worker pool (it may block on storage). */
  private void runOnWorker(S3Request req, AuthContext auth, Context context) {
    HttpServerRequest r = req.http();
    if ("100-continue".equalsIgnoreCase(r.getHeader("Expect"))) {
      r.response().writeContinue(); // authenticated: now the client may send the body
    }
    S3Exchange ex = new S3Exchange(req, auth, context, options.region());
    Runnable work = () -> workers.executeBlocking(() -> {
      dispatch(ex);
      return null;
    }, false).onFailure(t -> fail(ex, t));
    long length = declaredLength(r);
    if (length > 0 && length <= BUFFERED_BODY) {
      ex.attachBufferedBody(work); // small bodies arrive whole before the worker starts
    } else {
      ex.attachBody();
      work.run();
    }
  }

  /** Bodies up to this size are read on the event loop before the handler runs. */
  static final long BUFFERED_BODY = 1 << 20;

  private static long declaredLength(HttpServerRequest r) {
    String v = r.getHeader("Content-Length");
    if (v == null || r.getHeader("Transfer-Encoding") != null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Answers a request refused before its body was read. A client waiting for 100-continue never
   * sends the body, so the connection is closed after the answer instead of draining it.
   */
  private static void rejectEarly(HttpServerRequest r, S3ErrorCode code, String message, String id) {
    boolean expectsContinue = "100-continue".equalsIgnoreCase(r.getHeader("Expect"));
    if (expectsContinue) {
      r.response().putHeader("Connection", "close");
      renderError(r, code, message, r.path(), id).onComplete(v -> r.connection().close());
    } else {
      renderError(r, code, message, r.path(), id);
      r.resume(); // discard the body so the connection stays usable
    }
  }

  private void authorize(S3Request req, AuthContext auth) {
    if (!auth.isAnonymous()) {
      return;
    }
    S3Operation op = req.operation();
    boolean readOnly = op == S3Operation.GET_OBJECT || op == S3Operation.HEAD_OBJECT || op == S3Operation.LIST_OBJECTS
        || op == S3Operation.LIST_OBJECTS_V2 || op == S3Operation.HEAD_BUCKET;
    if (!(readOnly && req.bucket() != null && options.publicReadBuckets().contains(req.bucket()))) {
      throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "anonymous access is not allowed here; sign the request");
    }
  }

  private void dispatch(S3Exchange ex) throws IOException {
    switch (ex.request().operation()) {
      case LIST_BUCKETS -> buckets.listBuckets(ex);
      case CREATE_BUCKET -> buckets.createBucket(ex);
      case DELETE_BUCKET -> buckets.deleteBucket(ex);
      case HEAD_BUCKET -> buckets.headBucket(ex);
      case GET_BUCKET_LOCATION -> buckets.location(ex);
      case LIST_OBJECTS -> buckets.listObjects(ex, false);
      case LIST_OBJECTS_V2 -> buckets.listObjects(ex, true);
      case DELETE_OBJECTS -> objects.deleteObjects(ex);
      case PUT_OBJECT -> objects.put(ex);
      case COPY_OBJECT -> objects.copy(ex);
      case GET_OBJECT -> objects.get(ex, false);
      case HEAD_OBJECT -> objects.get(ex, true);
      case DELETE_OBJECT -> objects.delete(ex);
      case GET_OBJECT_TAGGING -> objects.getTagging(ex);
      case PUT_OBJECT_TAGGING -> objects.putTagging(ex);
      case DELETE_OBJECT_TAGGING -> objects.deleteTagging(ex);
      case CREATE_MULTIPART_UPLOAD -> multipart.create(ex);
      case UPLOAD_PART -> multipart.uploadPart(ex);
      case UPLOAD_PART_COPY -> multipart.uploadPartCopy(ex);
      case COMPLETE_MULTIPART_UPLOAD -> multipart.complete(ex);
      case ABORT_MULTIPART_UPLOAD -> multipart.abort(ex);
      case LIST_PARTS -> multipart.listParts(ex);
      case LIST_MULTIPART_UPLOADS -> multipart.listUploads(ex);
      case UNSUPPORTED -> throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
          ex.request().method() + " " + ex.request().resource() + " with these parameters is not implemented");
    }
  }

  /** The most telling failure in a cause chain: an S3 error or a rejected payload if there is one. */
  private static Throwable meaningful(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof S3Exception || c instanceof PayloadException) {
        return c;
      }
    }
    return t instanceof java.io.UncheckedIOException u ? u.getCause() : t;
  }

  private void fail(S3Exchange ex, Throwable failure) {
    Throwable t = meaningful(failure);
    S3Request req = ex.request();
    S3ErrorCode code;
    String message;
    if (t instanceof S3Exception s3) {
      code = s3.code();
      message = s3.getMessage();
      if (code == S3ErrorCode.INTERNAL_ERROR) {
        LOG.error("request {} {} {}: {}", req.requestId(), req.method(), req.resource(), message, t.getCause());
      }
    } else if (t instanceof PayloadException pe) {
      code = pe.code();
      message = pe.getMessage();
    } else if (t instanceof IOException io) {
      LOG.info("request {} {} {} aborted: {}", req.requestId(), req.method(), req.resource(), io.getMessage());
      code = S3ErrorCode.INCOMPLETE_BODY;
      message = "the request body could not be read: " + io.getMessage();
    } else {
      LOG.error("request {} {} {} failed", req.requestId(), req.method(), req.resource(), t);
      code = S3ErrorCode.INTERNAL_ERROR;
      message = code.message();
    }
    HttpServerRequest r = req.http();
    if (r.response().headWritten()) {
      r.connection().close(); // mid-body: the only honest signal left
      return;
    }
    renderError(r, code, message, req.resource(), req.requestId());
    if (!r.isEnded()) {
      r.handler(ignored -> { }); // drop what is left of the body instead of queueing it
      r.resume();
    }
  }

  private static Future<Void> renderError(HttpServerRequest r, S3ErrorCode code, String message, String resource, String id) {
    HttpServerResponse resp = r.response();
    if (resp.ended()) {
      return Future.succeededFuture();
    }
    resp.setStatusCode(code.status());
    if (r.method().name().equals("HEAD") || code.status() == 304) {
      return resp.end();
    }
    return resp.putHeader("Content-Type", "application/xml").end(errorXml(code, message, resource, id));
  }

  static String errorXml(S3ErrorCode code, String message, String resource, String id) {
    return XmlWriter.plain("Error")
        .element("Code", code.code())
        .element("Message", message)
        .element("Resource", resource)
        .element("RequestId", id)
        .finish();
  }
}
