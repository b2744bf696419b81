package io.granary.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as people write them: 1048576, 64MiB, 1GiB, 10GB, 512k. */
public final class Sizes {
  private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?b?)\\s*");

  private Sizes() {}

  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: '" + text + "' (examples: 1048576, 64MiB, 10GiB)");
    }
    double value = Double.parseDouble(m.group(1));
    int power = "kmgtp".indexOf(m.group(2).isEmpty() ? ' ' : m.group(2).charAt(0)) + 1;
    boolean binary = m.group(3).startsWith("i") || m.group(3).isEmpty() || m.group(2).isEmpty();
    double unit = Math.pow(binary ? 1024 : 1000, power);
    return (long) (value * unit);
  }

  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return i == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }
}
