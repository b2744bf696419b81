package io.granary.engine;

import io.granary.error.InvalidArgumentException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them: 500ms, 30s, 10m, 2h, 1d, or a bare number of milliseconds. */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");

  private Durations() {}

  /** Milliseconds (0 allowed); InvalidArgumentException for anything else. */
  public static long parse(String s) {
    Matcher m = DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidArgumentException("bad duration '" + s + "' (a number with a unit: 500ms, 30s, 10m, 2h, 1d; or 0)");
    }
    long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
      case "ms" -> 1;
      case "s" -> 1000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> 86_400_000;
    };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new InvalidArgumentException("duration '" + s + "' is too long");
    }
  }
}
