package io.granary.cli;

import io.granary.sdk.GranaryClient;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fs cat|put|get}: file data between the gateway and this host. */
final class FsTransferCommands {
  private static final int BUFFER = 1 << 20;

  private FsTransferCommands() {}

  @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write files' bytes to stdout.")
  static final class Cat extends FsSubcommand {
    @Parameters(paramLabel = "PATH", arity = "1..*")
    List<String> paths;

    @Override
    int run(GranaryClient client) throws IOException {
      out.flush();
      for (String path : paths) {
        String p = remote(path);
        if (client.open(p).getStatus().getType() == FileType.DIRECTORY) {
          throw new FsCommand.CliException(p + " is a directory");
        }
        try (InputStream in = client.openInputStream(p)) {
          in.transferTo(fs.stdout);
        }
        fs.stdout.flush();
      }
      return 0;
    }
  }

  /** Copies {@code in} to {@code out}, counting bytes into {@code progress}. */
  private static void copy(InputStream in, OutputStream out, Progress progress) throws IOException {
    byte[] buf = new byte[BUFFER];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      progress.addBytes(n);
    }
  }

  private static String summary(String verb, Progress p) {
    long ns = p.elapsedNanos();
    return String.format(Locale.ROOT, "%s %d %s (%s) in %s, %s", verb, p.filesDone(), p.filesDone() == 1 ? "file" : "files",
        Fmt.bytes(p.bytesDone()), Fmt.seconds(ns), Fmt.rate(p.bytesDone(), ns));
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = {"Upload a local file, or with -R a directory tree, to PATH.",
          "If PATH is an existing directory the upload goes inside it under the local name."})
  static final class Put extends FsSubcommand {
    @Option(names = {"-R", "-r", "--recursive"}, description = "Upload a directory tree.")
    boolean recursive;

    @Option(names = {"-f", "--force"}, description = "Overwrite existing files.")
    boolean force;

    @Option(names = "--write-type", paramLabel = "T",
        description = "MUST_CACHE, CACHE_THROUGH or THROUGH (default: the mount's).")
    String writeType;

    @Parameters(index = "0", paramLabel = "LOCAL")
    Path local;

    @Parameters(index = "1", paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) throws IOException {
      if (!Files.exists(local)) {
        throw new NoSuchFileException(local.toString());
      }
      String dst = remote(path);
      FileStatus target = statOrNull(client, dst);
      boolean into = target != null && target.getType() == FileType.DIRECTORY;
      Path abs = local.toAbsolutePath().normalize();
      String localName = abs.getFileName() == null ? "" : abs.getFileName().toString();
      Progress progress = progress("put");
      if (Files.isDirectory(local)) {
        if (!recursive) {
          throw new FsCommand.CliException(local + " is a directory (use put -R)");
        }
        String root = into && !localName.isEmpty() ? join(dst, localName) : dst;
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        long bytes = 0;
        try (Stream<Path> walk = Files.walk(abs)) {
          for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
            if (Files.isDirectory(p)) {
              dirs.add(p);
            } else if (Files.isRegularFile(p)) {
              files.add(p);
              bytes += Files.size(p);
            } else {
              progress.message("granary: skipping " + p + " (not a regular file)");
            }
          }
        }
        progress.totals(files.size(), bytes);
        for (Path d : dirs) {
          client.mkdir(remoteChild(root, abs, d), true);
        }
        for (Path f : files) {
          upload(client, f, remoteChild(root, abs, f), progress);
        }
      } else {
        progress.totals(1, Files.size(local));
        upload(client, local, into ? join(dst, localName) : dst, progress);
      }
      progress.finish(summary("put", progress));
      return 0;
    }

    private static String remoteChild(String root, Path base, Path p) {
      String rel = base.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
      return rel.isEmpty() ? root : root.equals("/") ? "/" + rel : root + "/" + rel;
    }

    private void upload(GranaryClient client, Path file, String dst, Progress progress) throws IOException {
      long size = Files.size(file);
      // The declared length makes the gateway refuse a short upload: closing the stream after a
      // local read error would otherwise commit a truncated file.
      try (InputStream in = Files.newInputStream(file); OutputStream out = client.create(dst, writeType, force, size)) {
        copy(in, out, progress);
      }
      progress.fileDone();
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = {"Download a file, or with -R a directory tree, to LOCAL.",
          "If LOCAL is an existing directory the download goes inside it under the remote name."})
  static final class Get extends FsSubcommand {
    @Option(names = {"-R", "-r", "--recursive"}, description = "Download a directory tree.")
    boolean recursive;

    @Parameters(index = "0", paramLabel = "PATH")
    String path;

    @Parameters(index = "1", paramLabel = "LOCAL")
    Path local;

    private record Entry(String remote, String rel, long length) {}

    @Override
    int run(GranaryClient client) throws IOException {
      String src = remote(path);
      FileStatus st = client.stat(src);
      boolean localDir = Files.isDirectory(local);
      Progress progress = progress("get");
      if (st.getType() == FileType.DIRECTORY) {
        if (!recursive) {
          throw new FsCommand.CliException(src + " is a directory (use get -R)");
        }
        Path root = localDir && !src.equals("/") ? local.resolve(name(src)) : local;
        List<String> dirs = new ArrayList<>();
        List<Entry> files = new ArrayList<>();
        walk(client, src, "", dirs, files);
        progress.totals(files.size(), files.stream().mapToLong(Entry::length).sum());
        Files.createDirectories(root);
        for (String d : dirs) {
          Files.createDirectories(root.resolve(d));
        }
        for (Entry f : files) {
          download(client, f.remote(), root.resolve(f.rel()), progress);
        }
      } else {
        progress.totals(1, st.getLength());
        download(client, src, localDir ? local.resolve(name(src)) : local, progress);
      }
      progress.finish(summary("got", progress));
      return 0;
    }

    private static void walk(GranaryClient client, String dir, String prefix, List<String> dirs, List<Entry> files) {
      List<String> subdirs = new ArrayList<>();
      client.list(dir, e -> {
        String rel = prefix + name(e.getPath());
        if (e.getType() == FileType.DIRECTORY) {
          dirs.add(rel);
          subdirs.add(e.getPath());
        } else if (e.getType() == FileType.FILE) {
          files.add(new Entry(e.getPath(), rel, e.getLength()));
        }
      });
      for (String sub : subdirs) {
        walk(client, sub, prefix + name(sub) + "/", dirs, files);
      }
    }

    /** Writes to a temporary file beside the target and renames it into place when complete. */
    private static void download(GranaryClient client, String src, Path target, Progress progress) throws IOException {
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new NoSuchFileException(parent.toString());
      }
      Path tmp = target.resolveSibling("." + target.getFileName() + ".granary-" + ProcessHandle.current().pid() + ".tmp");
      try {
        try (InputStream in = client.openInputStream(src); OutputStream out = Files.newOutputStream(tmp)) {
          copy(in, out, progress);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      progress.fileDone();
    }
  }
}
