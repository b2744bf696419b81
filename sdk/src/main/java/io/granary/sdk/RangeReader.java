package io.granary.sdk;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One ranged GET on the gateway's data path over a plain socket. The JDK's HttpClient hands a
 * response over in 16 KiB buffers across threads, which capped the data path far below the
 * loopback limit; here the response body is read straight into the caller's buffer.
 */
final class RangeReader {
  private static final int HEAD_LIMIT = 16 * 1024;

  private RangeReader() {}

  /** Opens {@code url} (http://host:port/path?query) with these headers; the body as a stream. */
  static InputStream get(URI url, Map<String, String> headers, int timeoutMs) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setReceiveBufferSize(1 << 20);
      s.connect(new InetSocketAddress(url.getHost(), url.getPort()), timeoutMs);
      s.setSoTimeout(timeoutMs);
      StringBuilder req = new StringBuilder(256).append("GET ").append(url.getRawPath());
      if (url.getRawQuery() != null) {
        req.append('?').append(url.getRawQuery());
      }
      req.append(" HTTP/1.1\r\nHost: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
      headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("Connection: close\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      BufferedInputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
      String status = line(in);
      long length = -1;
      String l;
      int headBytes = status.length();
      while (!(l = line(in)).isEmpty()) {
        headBytes += l.length();
        if (headBytes > HEAD_LIMIT) {
          throw new IOException("response headers too large");
        }
        int c = l.indexOf(':');
        if (c > 0 && l.substring(0, c).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
          length = Long.parseLong(l.substring(c + 1).trim());
        }
      }
      String[] parts = status.split(" ", 3);
      int code = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      if (code != 200) {
        byte[] body = in.readNBytes((int) Math.min(Math.max(length, 0), 4096));
        s.close();
        throw new HttpStatusException(code, new String(body, StandardCharsets.UTF_8).trim());
      }
      return new Body(in, length, s);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder(64);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
      }
      b.append((char) c);
      if (b.length() > HEAD_LIMIT) {
        throw new IOException("response line too long");
      }
    }
    throw new IOException("connection closed in the response head");
  }

  /** A non-200 answer. */
  static final class HttpStatusException extends IOException {
    final int status;

    HttpStatusException(int status, String body) {
      super(body.isEmpty() ? "HTTP " + status : body);
      this.status = status;
    }
  }

  /** The body: at most Content-Length bytes; closing it closes the socket. */
  private static final class Body extends FilterInputStream {
    private long remaining;
    private final Socket socket;

    Body(InputStream in, long length, Socket socket) {
      super(in);
      this.remaining = length < 0 ? Long.MAX_VALUE : length;
      this.socket = socket;
    }

    @Override
    public int read() throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int c = in.read();
      if (c >= 0) {
        remaining--;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
