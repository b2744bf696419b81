package io.granary.storage.ufs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback in front of a real server that breaks its first connection: after
 * {@code cutAfter} bytes from the client it resets both sides, as a store does when it drops a
 * connection in the middle of a request body. Later connections are relayed whole.
 */
public final class CuttingRelay implements AutoCloseable {
  private final ServerSocket socket;
  private final URI target;
  private final long cutAfter;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  public CuttingRelay(URI target, long cutAfter) throws IOException {
    this.target = target;
    this.cutAfter = cutAfter;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "cutting-relay");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  private void accept() {
    try {
      while (true) {
        Socket client = socket.accept();
        Socket server = new Socket(target.getHost(), target.getPort());
        open.add(client);
        open.add(server);
        long limit = connections.incrementAndGet() == 1 ? cutAfter : Long.MAX_VALUE;
        pump(client, server, limit, "relay-up");
        pump(server, client, Long.MAX_VALUE, "relay-down");
      }
    } catch (IOException e) {
      // closed
    }
  }

  private static void pump(Socket from, Socket to, long limit, String name) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[8192];
      long relayed = 0;
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer, 0, (int) Math.min(buffer.length, Math.max(1, limit - relayed)))) >= 0; ) {
          out.write(buffer, 0, n);
          relayed += n;
          if (relayed >= limit) {
            reset(from);
            reset(to);
            return;
          }
        }
      } catch (IOException e) {
        // the other direction closed the sockets
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (IOException e) {
      // already closed
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
