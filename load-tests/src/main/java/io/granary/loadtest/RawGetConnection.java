package io.granary.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A minimal blocking HTTP/1.1 keep-alive connection for large GETs: the body is read into one
 * reused 32 KiB direct buffer and only counted, so the client does little beyond read(2), as the
 * receiving side of {@code iperf3} does. Used by {@code S3Bench}'s {@code get-large} and
 * {@code SdkBench}'s {@code large-raw}; not thread-safe (one per stream).
 */
final class RawGetConnection implements AutoCloseable {
  /**
   * Read size. Small reads keep the destination in the CPU caches: on the 2-vCPU EPYC test machine
   * one stream read 3.7-4.2 GiB/s with 16-32 KiB reads, 2.8-3.4 with 64 KiB, 1.8-2.4 with 128 KiB
   * and 1.5 with 1 MiB (-Ds3bench.readBuffer=BYTES overrides it).
   */
  static final int BUFFER = Integer.getInteger("s3bench.readBuffer", 32 * 1024);

  private final SocketChannel ch;
  private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
  private final byte[] head = new byte[16 * 1024];

  RawGetConnection(String host, int port) throws IOException {
    ch = SocketChannel.open();
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.connect(new InetSocketAddress(host, port));
  }

  /**
   * GETs {@code path} and reads the whole body, adding received body bytes to {@code counter} as
   * they arrive; fails unless the status is 200 and exactly {@code expected} bytes arrive.
   */
  void get(SigV4Signer signer, String path, long expected, LongAdder counter) throws IOException {
    get(path, signer.sign("GET", path, Map.of()), expected, counter);
  }

  /**
   * GETs {@code target} (path and query) with these request headers and reads the whole body, as
   * {@link #get(SigV4Signer, String, long, LongAdder)} does.
   */
  void get(String target, Map<String, String> requestHeaders, long expected, LongAdder counter) throws IOException {
    String path = target;
    StringBuilder req = new StringBuilder(512).append("GET ").append(target).append(" HTTP/1.1\r\n");
    for (Map.Entry<String, String> h : requestHeaders.entrySet()) {
      req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    req.append("\r\n");
    ByteBuffer out = ByteBuffer.wrap(req.toString().getBytes(StandardCharsets.US_ASCII));
    while (out.hasRemaining()) {
      ch.write(out);
    }
    // Read until the end of the headers; whatever follows them in the buffer is body.
    int headLen = 0;
    int headerEnd = -1;
    long body = 0;
    while (headerEnd < 0) {
      buf.clear();
      int n = ch.read(buf);
      if (n < 0) {
        throw new IOException("connection closed before the response headers");
      }
      buf.flip();
      int take = Math.min(n, head.length - headLen);
      buf.get(head, headLen, take);
      int from = Math.max(0, headLen - 3);
      headLen += take;
      for (int i = from; i + 3 < headLen; i++) {
        if (head[i] == '\r' && head[i + 1] == '\n' && head[i + 2] == '\r' && head[i + 3] == '\n') {
          headerEnd = i + 4;
          break;
        }
      }
      if (headerEnd < 0 && headLen == head.length) {
        throw new IOException("response headers larger than " + head.length + " bytes");
      }
      if (headerEnd >= 0) {
        body = (headLen - headerEnd) + (n - take);
      }
    }
    String headers = new String(head, 0, headerEnd, StandardCharsets.ISO_8859_1);
    int sp = headers.indexOf(' ');
    int status = Integer.parseInt(headers.substring(sp + 1, sp + 4));
    long contentLength = -1;
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        if (name.equals("content-length")) {
          contentLength = Long.parseLong(line.substring(colon + 1).trim());
        } else if (name.equals("transfer-encoding")) {
          throw new IOException("GET " + path + ": unexpected Transfer-Encoding " + line.substring(colon + 1).trim());
        }
      }
    }
    if (status != 200) {
      String text = body > 0 ? new String(head, headerEnd, (int) Math.min(body, headLen - headerEnd), StandardCharsets.UTF_8) : "";
      throw new IOException("GET " + path + ": HTTP " + status + " " + text.strip());
    }
    if (contentLength != expected) {
      throw new IOException("GET " + path + ": Content-Length " + contentLength + ", expected " + expected);
    }
    counter.add(body);
    while (body < expected) {
      buf.clear();
      if (expected - body < BUFFER) {
        buf.limit((int) (expected - body));
      }
      int n = ch.read(buf);
      if (n < 0) {
        throw new IOException("GET " + path + ": connection closed after " + body + " of " + expected + " bytes");
      }
      body += n;
      counter.add(n);
    }
    if (body != expected) {
      throw new IOException("GET " + path + ": " + body + " body bytes, expected " + expected);
    }
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
