package io.granary.cli;

import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Formatting shared by the {@code fs} commands. */
final class Fmt {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx", Locale.ROOT);

  private Fmt() {}

  /** 0 B, 512 B, 1.5 KiB, 1.7 MiB, ... */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    int u = 0;
    while (v >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  static String rate(long bytes, long nanos) {
    return nanos <= 0 ? "-" : bytes((long) (bytes / (nanos / 1e9))) + "/s";
  }

  static String percent(long part, long whole) {
    return whole <= 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  static String minutes(long epochMs, ZoneId zone) {
    return MINUTES.format(Instant.ofEpochMilli(epochMs).atZone(zone));
  }

  static String time(long epochMs, ZoneId zone) {
    return SECONDS.format(Instant.ofEpochMilli(epochMs).atZone(zone));
  }

  /** {@code drwxr-xr-x}, {@code -rw-r--r--}, {@code lrwxrwxrwx}. */
  static String mode(FileStatus s) {
    StringBuilder b = new StringBuilder(10);
    b.append(s.getType() == FileType.DIRECTORY ? 'd' : s.getType() == FileType.SYMLINK ? 'l' : '-');
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      b.append((s.getMode() & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    return b.toString();
  }

  /** 1d, 2h, 10m, 30s, 250ms: the largest unit that divides the duration. */
  static String duration(long ms) {
    long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (ms >= sizes[i] && ms % sizes[i] == 0) {
        return ms / sizes[i] + names[i];
      }
    }
    return ms + "ms";
  }

  /** Parses 30s, 10m, 2h, 1d, 500ms (or 0) into milliseconds. */
  static long parseDuration(String s) {
    try {
      return io.granary.engine.Durations.parse(s);
    } catch (io.granary.error.InvalidArgumentException e) {
      throw new FsCommand.CliException(e.getMessage());
    }
  }

}
