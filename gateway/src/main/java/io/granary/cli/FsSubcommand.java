package io.granary.cli;

import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryClientException;
import io.granary.sdk.proto.FileStatus;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A {@code granary fs} subcommand: connects, runs, and turns any failure into a non-zero exit
 * code and one line on stderr ({@code granary: NOT_FOUND: no such file or directory: /x}).
 */
abstract class FsSubcommand implements Callable<Integer> {
  @ParentCommand
  FsCommand fs;

  @Spec
  CommandSpec spec;

  PrintWriter out;
  PrintWriter err;

  /** The command's work; returns the exit code. */
  abstract int run(GranaryClient client) throws Exception;

  @Override
  public final Integer call() {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    try (GranaryClient client = fs.connect()) {
      return run(client);
    } catch (Exception e) {
      out.flush();
      err.println("granary: " + reason(e));
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** One line saying what went wrong, without a stack trace. */
  String reason(Throwable e) {
    if (e instanceof UncheckedIOException u) {
      e = u.getCause();
    }
    if (e instanceof IOException io && io.getCause() instanceof GranaryClientException g) {
      e = g;
    }
    if (e instanceof GranaryClientException g && g.status() == GrpcStatus.UNAVAILABLE && rootCause(g) instanceof ConnectException c) {
      return "UNAVAILABLE: cannot reach the gateway at " + fs.gatewayAddress() + " (" + c.getMessage() + ")";
    }
    if (e instanceof GranaryClientException g) {
      // the SDK's message is "STATUS: reason"
      return String.valueOf(g.getMessage()).lines().findFirst().orElse(g.status().name());
    }
    return switch (e) {
      case NoSuchFileException x -> "no such local file or directory: " + x.getFile();
      case FileAlreadyExistsException x -> "local file already exists: " + x.getFile();
      case AccessDeniedException x -> "permission denied: " + x.getFile();
      case NotDirectoryException x -> "not a local directory: " + x.getFile();
      case DirectoryNotEmptyException x -> "local directory not empty: " + x.getFile();
      case FileSystemException x -> x.getMessage();
      default -> e.getMessage() != null ? e.getMessage().lines().findFirst().orElse(e.toString()) : e.toString();
    };
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** A path of the gateway's namespace: absolute, without a trailing slash (except the root). */
  static String remote(String path) {
    String p = path.startsWith("/") ? path : "/" + path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  static String join(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }

  static String name(String path) {
    int slash = path.lastIndexOf('/');
    return path.substring(slash + 1);
  }

  /** The status of {@code path}, or null if it does not exist. */
  static FileStatus statOrNull(GranaryClient client, String path) {
    try {
      return client.stat(path);
    } catch (GranaryClientException e) {
      if (e.status() == GrpcStatus.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  Progress progress(String verb) {
    return new Progress(err, fs.terminal(), verb);
  }
}
