package io.granary.sdk;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which host a process runs on, so a client and a gateway can tell they share one and the client
 * may read cached block files directly: the machine id where there is one, else the host name.
 */
public final class HostId {
  private static final String ID = compute();

  private HostId() {}

  public static String get() {
    return ID;
  }

  private static String compute() {
    for (String f : new String[] {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
      try {
        String id = Files.readString(Path.of(f)).trim();
        if (!id.isEmpty()) {
          return id;
        }
      } catch (IOException | SecurityException e) {
        // try the next source
      }
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
