package io.granary.fuse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * FUSE mount options, parsed from {@code -o a,b=c}. Granary's own options are consumed here; the
 * front door's ({@code read_type}, {@code write_type}) are kept in {@link #backendOptions()}; any
 * other option goes to libfuse unchanged (e.g. {@code ro}, {@code max_readahead=...}).
 *
 * <p>Defaults are for read-mostly training data: the kernel page cache kept across opens
 * ({@code kernel_cache}), lookups and attributes cached for {@code entry_timeout}/{@code attr_timeout}
 * seconds, whole-file prefetch of files up to {@code prefetch_small} bytes, read-ahead of
 * {@code readahead_blocks} blocks for sequential readers, the kernel's own read-ahead for the mount
 * raised to {@code read_ahead_kb} KiB (1024; 0 keeps the kernel's 128), and, on read-only mounts
 * ({@code ro}) with {@code kernel_cache}, zero-message opens ({@code zero_open}, the default; off
 * with {@code no_zero_open}): the first open and the first flush answer ENOSYS, after which the
 * kernel opens, reads cached pages of and closes files without asking the mount.
 */
public record MountOptions(
    String cacheMode,
    double entryTimeout,
    double attrTimeout,
    double negativeTimeout,
    int maxRead,
    int threads,
    long prefetchSmall,
    int readAheadBlocks,
    int readAheadKb,
    long slowMs,
    boolean allowOther,
    boolean defaultPermissions,
    boolean debug,
    boolean zeroOpen,
    Map<String, String> backendOptions,
    List<String> passThrough) {

  /** Options the front door (gateway) interprets. */
  private static final List<String> BACKEND_KEYS = List.of("read_type", "write_type");

  public MountOptions {
    backendOptions = Map.copyOf(backendOptions);
    passThrough = List.copyOf(passThrough);
    zeroOpen = zeroOpen && "kernel_cache".equals(cacheMode) && passThrough.contains("ro");
  }

  public static MountOptions defaults() {
    return new MountOptions("kernel_cache", 300, 300, 1, 131072, 10, 4L << 20, 2, 1024, 1000,
        true, true, false, true, Map.of(), List.of());
  }

  /** Parses comma-separated options (several strings may be given, as several {@code -o}). */
  public static MountOptions parse(List<String> specs) {
    MountOptions o = defaults();
    String cache = o.cacheMode;
    double entry = o.entryTimeout;
    double attr = o.attrTimeout;
    double negative = o.negativeTimeout;
    int maxRead = o.maxRead;
    int threads = o.threads;
    long prefetch = o.prefetchSmall;
    int readAhead = o.readAheadBlocks;
    int readAheadKb = o.readAheadKb;
    long slow = o.slowMs;
    boolean allowOther = o.allowOther;
    boolean perms = o.defaultPermissions;
    boolean debug = false;
    boolean zeroOpen = true; // takes effect on read-only mounts with kernel_cache
    Map<String, String> backend = new LinkedHashMap<>();
    List<String> pass = new ArrayList<>();
    for (String spec : specs) {
      for (String raw : spec.split(",")) {
        String opt = raw.trim();
        if (opt.isEmpty()) {
          continue;
        }
        int eq = opt.indexOf('=');
        String key = (eq < 0 ? opt : opt.substring(0, eq)).toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : opt.substring(eq + 1);
        switch (key) {
          case "kernel_cache", "auto_cache", "direct_io" -> cache = key;
          case "no_kernel_cache" -> cache = "";
          case "entry_timeout" -> entry = seconds(key, value);
          case "attr_timeout" -> attr = seconds(key, value);
          case "negative_timeout" -> negative = seconds(key, value);
          case "max_read" -> maxRead = (int) bytes(key, value, 4096, 1 << 20);
          case "threads" -> threads = (int) bytes(key, value, 1, 1024);
          case "prefetch_small" -> prefetch = bytes(key, value, 0, 1L << 30);
          case "readahead_blocks" -> readAhead = (int) bytes(key, value, 0, 64);
          case "read_ahead_kb" -> readAheadKb = (int) bytes(key, value, 0, 1 << 20);
          case "slow_ms" -> slow = bytes(key, value, 0, Long.MAX_VALUE);
          case "allow_other" -> allowOther = true;
          case "no_allow_other" -> allowOther = false;
          case "default_permissions" -> perms = true;
          case "no_default_permissions" -> perms = false;
          case "debug" -> debug = true;
          case "zero_open" -> zeroOpen = true;
          case "no_zero_open" -> zeroOpen = false;
          default -> {
            if (BACKEND_KEYS.contains(key)) {
              backend.put(key, value);
            } else {
              pass.add(opt);
            }
          }
        }
      }
    }
    return new MountOptions(cache, entry, attr, negative, maxRead, threads, prefetch, readAhead, readAheadKb, slow,
        allowOther, perms, debug, zeroOpen, backend, pass);
  }

  /** The arguments for libfuse after the mount point. */
  public String[] fuseArgs() {
    List<String> o = new ArrayList<>();
    o.add("fsname=granary");
    o.add("subtype=granary");
    o.add("use_ino");
    o.add("big_writes");
    if (!cacheMode.isEmpty()) {
      o.add(cacheMode);
    }
    o.add("entry_timeout=" + fmt(entryTimeout));
    o.add("attr_timeout=" + fmt(attrTimeout));
    o.add("negative_timeout=" + fmt(negativeTimeout));
    o.add("max_read=" + maxRead);
    if (allowOther) {
      o.add("allow_other");
    }
    if (defaultPermissions) {
      o.add("default_permissions");
    }
    o.addAll(passThrough);
    List<String> args = new ArrayList<>();
    if (threads == 1) {
      args.add("-s");
    }
    args.add("-o");
    args.add(String.join(",", o));
    return args.toArray(String[]::new);
  }

  private static String fmt(double seconds) {
    return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
  }

  private static double seconds(String key, String value) {
    try {
      double d = Double.parseDouble(value);
      if (d < 0 || Double.isNaN(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("mount option " + key + " wants seconds >= 0, got '" + value + "'");
    }
  }

  private static long bytes(String key, String value, long min, long max) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (v.endsWith("k") || v.endsWith("kib")) {
      unit = 1L << 10;
    } else if (v.endsWith("m") || v.endsWith("mib")) {
      unit = 1L << 20;
    } else if (v.endsWith("g") || v.endsWith("gib")) {
      unit = 1L << 30;
    }
    String digits = v.replaceAll("[a-z]+$", "");
    try {
      long n = Math.multiplyExact(Long.parseLong(digits), unit);
      if (n < min || n > max) {
        throw new IllegalArgumentException("mount option " + key + " must be in [" + min + ", " + max + "], got " + value);
      }
      return n;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("mount option " + key + " wants a number, got '" + value + "'");
    }
  }
}
