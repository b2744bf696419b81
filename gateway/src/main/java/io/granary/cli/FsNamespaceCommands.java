package io.granary.cli;

import io.granary.sdk.GranaryClient;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fs ls|stat|rm|mkdir|mv}. */
final class FsNamespaceCommands {
  private FsNamespaceCommands() {}

  static final String TTL_ATTRIBUTE = "granary.ttl";

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = {"List a directory, one entry a line: mode, size, cached bytes, modification time, name.",
          "With -R the whole tree, names relative to PATH."})
  static final class Ls extends FsSubcommand {
    @Option(names = {"-R", "--recursive"}, description = "List subdirectories too.")
    boolean recursive;

    @Option(names = {"-b", "--bytes"}, description = "Sizes in bytes rather than KiB, MiB, ...")
    boolean exactBytes;

    @Parameters(paramLabel = "PATH", defaultValue = "/", description = "Directory or file (default /).")
    String path;

    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    int run(GranaryClient client) {
      String root = remote(path);
      FileStatus st = client.stat(root);
      if (st.getType() != FileType.DIRECTORY) {
        out.println(line(st, root));
        return 0;
      }
      listDir(client, root, "");
      return 0;
    }

    private void listDir(GranaryClient client, String dir, String prefix) {
      List<String> subdirs = new ArrayList<>();
      client.list(dir, e -> {
        String name = prefix + name(e.getPath());
        if (e.getType() == FileType.DIRECTORY) {
          out.println(line(e, name + "/"));
          if (recursive) {
            subdirs.add(e.getPath());
          }
        } else {
          // Listings carry no cached_bytes (the gateway leaves it out of ListStatus): ask per file.
          FileStatus full = e.getType() == FileType.FILE ? statOrNull(client, e.getPath()) : null;
          out.println(line(full != null ? full : e, name));
        }
      });
      for (String sub : subdirs) {
        listDir(client, sub, prefix + name(sub) + "/");
      }
    }

    private String line(FileStatus s, String name) {
      boolean dir = s.getType() == FileType.DIRECTORY;
      String size = dir ? "-" : size(s.getLength());
      String cached = dir ? "-" : size(s.getCachedBytes());
      return String.format(Locale.ROOT, "%s  %10s  %10s  %s  %s", Fmt.mode(s), size, cached,
          Fmt.minutes(s.getMtimeMs(), zone), name);
    }

    private String size(long n) {
      return exactBytes ? Long.toString(n) : Fmt.bytes(n);
    }
  }

  @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show a file's or directory's status.")
  static final class Stat extends FsSubcommand {
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      FileStatus s = client.stat(remote(path));
      ZoneId zone = ZoneId.systemDefault();
      boolean dir = s.getType() == FileType.DIRECTORY;
      out.println("path: " + s.getPath());
      out.println("type: " + s.getType().name().toLowerCase(Locale.ROOT));
      if (!dir) {
        out.println("size: " + s.getLength() + " (" + Fmt.bytes(s.getLength()) + ")");
        out.println("cached: " + s.getCachedBytes() + " (" + Fmt.percent(s.getCachedBytes(), s.getLength()) + ")");
        out.println("block size: " + s.getBlockSize() + " (" + Fmt.bytes(s.getBlockSize()) + ")");
      }
      out.println("modified: " + Fmt.time(s.getMtimeMs(), zone));
      out.println("mode: " + String.format(Locale.ROOT, "%04o", s.getMode() & 07777) + " (" + Fmt.mode(s) + ")");
      out.println("persisted: " + s.getPersisted());
      out.println("pinned: " + s.getPinned());
      out.println("mount point: " + s.getMountPoint());
      out.println("id: " + s.getId());
      Map<String, String> attrs = new TreeMap<>(s.getAttributesMap());
      String ttl = attrs.remove(TTL_ATTRIBUTE);
      if (ttl != null) {
        out.println("ttl: " + ttl(ttl, zone));
      }
      attrs.forEach((k, v) -> out.println("attribute " + k + ": " + v));
      return 0;
    }

    /** {@code <expiresMs>:<ACTION>} as "2026-11-23 10:00:00 +01:00, then FREE". */
    private static String ttl(String raw, ZoneId zone) {
      int colon = raw.indexOf(':');
      try {
        long expires = Long.parseLong(raw.substring(0, colon));
        return "expires " + Fmt.time(expires, zone) + ", then " + raw.substring(colon + 1);
      } catch (RuntimeException e) {
        return raw;
      }
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a file, or a directory with -r.")
  static final class Rm extends FsSubcommand {
    @Option(names = {"-r", "-R", "--recursive"}, description = "Delete a directory and everything in it.")
    boolean recursive;

    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      String p = remote(path);
      if (!recursive && client.stat(p).getType() == FileType.DIRECTORY) {
        throw new FsCommand.CliException(p + " is a directory (use rm -r)");
      }
      client.delete(p, recursive);
      return 0;
    }
  }

  @Command(name = "mkdir", mixinStandardHelpOptions = true, description = "Create a directory.")
  static final class Mkdir extends FsSubcommand {
    @Option(names = {"-p", "--parents"}, description = "Create missing parents; no error if it exists.")
    boolean parents;

    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      client.mkdir(remote(path), parents);
      return 0;
    }
  }

  @Command(name = "mv", mixinStandardHelpOptions = true,
      description = "Rename SRC to DST (into DST if DST is a directory).")
  static final class Mv extends FsSubcommand {
    @Parameters(index = "0", paramLabel = "SRC")
    String src;

    @Parameters(index = "1", paramLabel = "DST")
    String dst;

    @Override
    int run(GranaryClient client) {
      String s = remote(src);
      String d = remote(dst);
      FileStatus target = statOrNull(client, d);
      if (target != null && target.getType() == FileType.DIRECTORY && !d.equals(s)) {
        d = join(d, name(s));
      }
      client.rename(s, d);
      return 0;
    }
  }
}
