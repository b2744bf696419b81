package io.granary.storage.ufs.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Lets the Aliyun OSS SDK talk to s3proxy: a reverse proxy on a loopback port that translates the
 * few places where the OSS dialect of the S3 protocol differs and the SDK depends on it.
 *
 * <ul>
 *   <li>Request headers {@code x-oss-meta-*}, {@code x-oss-copy-source} and
 *       {@code x-oss-metadata-directive} become their {@code x-amz-} twins. Without this s3proxy
 *       drops user metadata, and a CopyObject arrives as a plain PUT with an empty body, which
 *       would silently create an empty destination object.
 *   <li>Response headers {@code x-amz-meta-*} and {@code x-amz-request-id} become {@code x-oss-}
 *       again, so the SDK sees metadata and request ids.
 *   <li>XML response bodies lose the S3 namespace
 *       ({@code xmlns="http://s3.amazonaws.com/doc/2006-03-01/"}): OSS sends none and the SDK's
 *       parser finds no elements in a namespaced listing. Content-Length is recomputed after the
 *       rewrite.
 * </ul>
 *
 * <p>Authentication is not translated: s3proxy runs with authorization off and the SDK's
 * {@code Authorization: OSS ...} header is ignored. Bodies are buffered (test data is small);
 * HEAD responses keep the upstream Content-Length.
 */
public final class OssDialectAdapter implements AutoCloseable {
  private static final String S3_NAMESPACE = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
  private static final Set<String> HOP_BY_HOP = Set.of(
      "host", "connection", "keep-alive", "transfer-encoding", "expect", "content-length", "te", "upgrade",
      "proxy-connection");
  private static final Map<String, String> REQUEST_HEADERS = Map.of(
      "x-oss-copy-source", "x-amz-copy-source",
      "x-oss-metadata-directive", "x-amz-metadata-directive");

  private final Vertx vertx;
  private final HttpServer server;
  private final HttpClientAgent client;
  private final URI upstream;

  private OssDialectAdapter(Vertx vertx, HttpServer server, HttpClientAgent client, URI upstream) {
    this.vertx = vertx;
    this.server = server;
    this.client = client;
    this.upstream = upstream;
  }

  /** Starts an adapter on 127.0.0.1 and an OS-chosen port in front of {@code s3Endpoint}. */
  public static OssDialectAdapter start(URI s3Endpoint) {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions()
          .setDefaultHost(s3Endpoint.getHost())
          .setDefaultPort(s3Endpoint.getPort())
          .setConnectTimeout(5_000)
          .setKeepAlive(true));
      HttpServer server = vertx.createHttpServer(
          new HttpServerOptions().setHost("127.0.0.1").setPort(0).setHandle100ContinueAutomatically(true));
      OssDialectAdapter adapter = new OssDialectAdapter(vertx, server, client, s3Endpoint);
      server.requestHandler(adapter::forward).listen().await(30, TimeUnit.SECONDS);
      return adapter;
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("could not start the OSS dialect adapter", e);
    }
  }

  /** {@code http://127.0.0.1:<port>}, the endpoint to give the OSS SDK. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the OSS dialect adapter", e);
    }
  }

  private void forward(HttpServerRequest request) {
    boolean hasBody = request.headers().contains(HttpHeaders.CONTENT_LENGTH) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    request.body()
        .compose(body -> {
          RequestOptions options = new RequestOptions()
              .setMethod(request.method())
              .setHost(upstream.getHost())
              .setPort(upstream.getPort())
              .setURI(request.uri())
              .setHeaders(requestHeaders(request.headers()));
          return client.request(options).compose(upstreamRequest -> hasBody ? upstreamRequest.send(body) : upstreamRequest.send());
        })
        .compose(response -> response.body().map(body -> new Upstream(response, body)))
        .onSuccess(answer -> reply(request, answer))
        .onFailure(failure -> {
          if (!request.response().ended()) {
            request.response().setStatusCode(502).end("OSS dialect adapter: " + failure);
          }
        });
  }

  private static MultiMap requestHeaders(MultiMap in) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name)) {
        continue;
      }
      if (name.startsWith("x-oss-meta-")) {
        name = "x-amz-meta-" + name.substring("x-oss-meta-".length());
      } else {
        name = REQUEST_HEADERS.getOrDefault(name, name);
      }
      out.add(name, header.getValue());
    }
    return out;
  }

  private static void reply(HttpServerRequest request, Upstream answer) {
    HttpServerResponse response = request.response();
    response.setStatusCode(answer.response.statusCode());
    response.setStatusMessage(answer.response.statusMessage());
    for (Map.Entry<String, String> header : answer.response.headers()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name)) {
        continue;
      }
      if (name.startsWith("x-amz-meta-")) {
        name = "x-oss-meta-" + name.substring("x-amz-meta-".length());
      } else if (name.equals("x-amz-request-id")) {
        name = "x-oss-request-id";
      }
      response.headers().add(name, header.getValue());
    }
    if (request.method() == HttpMethod.HEAD) {
      String length = answer.response.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null) {
        response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
      }
      response.end();
      return;
    }
    Buffer body = answer.body;
    String contentType = answer.response.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType != null && contentType.contains("xml")) {
      String xml = body.toString(StandardCharsets.UTF_8);
      if (xml.contains(S3_NAMESPACE)) {
        body = Buffer.buffer(xml.replace(S3_NAMESPACE, ""), StandardCharsets.UTF_8.name());
      }
    }
    response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
    response.end(body);
  }

  private record Upstream(HttpClientResponse response, Buffer body) {}
}
