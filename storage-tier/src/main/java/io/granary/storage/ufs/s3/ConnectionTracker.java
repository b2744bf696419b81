package io.granary.storage.ufs.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionFactory;

/**
 * Opens the HTTP connections of one S3 client and, for a thread that asked for it, remembers the
 * last one opened.
 *
 * <p>When the body of a PUT fails mid-way (the caller's stream broke), the SDK gives up on the
 * request but leaves its connection open, so the server keeps waiting for the rest of the body
 * until its idle timeout and keeps the half-written upload around meanwhile. The sync client runs
 * a request on the calling thread, so the connection to close is the last one this thread opened.
 */
final class ConnectionTracker implements UrlConnectionFactory {
  private final int connectTimeoutMs;
  private final int readTimeoutMs;
  private final ThreadLocal<HttpURLConnection[]> tracked = new ThreadLocal<>();

  ConnectionTracker(Duration connectTimeout, Duration readTimeout) {
    this.connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.readTimeoutMs = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
  }

  @Override
  public HttpURLConnection createConnection(URI uri) {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(connectTimeoutMs);
      connection.setReadTimeout(readTimeoutMs);
      HttpURLConnection[] slot = tracked.get();
      if (slot != null) {
        slot[0] = connection;
      }
      return connection;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Remembers the connections this thread opens from now on, until {@link #untrack}. */
  void track() {
    tracked.set(new HttpURLConnection[1]);
  }

  /** Closes the connection this thread opened last while tracked, if any. */
  void disconnectTracked() {
    HttpURLConnection[] slot = tracked.get();
    if (slot != null && slot[0] != null) {
      slot[0].disconnect();
      slot[0] = null;
    }
  }

  void untrack() {
    tracked.remove();
  }
}
