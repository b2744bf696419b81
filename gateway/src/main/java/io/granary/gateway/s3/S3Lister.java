package io.granary.gateway.s3;

import io.granary.engine.FileInfo;
import io.granary.engine.GranaryEngine;
import io.granary.error.NotADirectoryException;
import io.granary.error.NotFoundException;
import io.granary.s3.S3Backend.ListQuery;
import io.granary.s3.S3Backend.ListResult;
import io.granary.s3.S3Backend.ObjectInfo;
import io.granary.storage.ufs.support.KeyOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * S3 listings over the directory tree. S3 orders keys by their bytes, so a directory "d" (whose
 * keys start "d/") sorts after a sibling "d-1" although the namespace stores "d" first: entries are
 * merged by name plus "/" for directories. A page resumes from its marker by descending the
 * marker's path instead of scanning from the start, so paging through a large bucket stays a
 * sequence of cursor scans.
 */
final class S3Lister {
  private static final int PAGE = 1000;

  private final GranaryEngine engine;
  private final Function<FileInfo, ObjectInfo> toObject;

  S3Lister(GranaryEngine engine, Function<FileInfo, ObjectInfo> toObject) {
    this.engine = engine;
    this.toObject = toObject;
  }

  /** Collects up to maxKeys items and notices whether more follow. */
  private static final class Page {
    final int max;
    final List<ObjectInfo> objects = new ArrayList<>();
    final List<String> prefixes = new ArrayList<>();
    String last;
    boolean truncated;

    Page(int max) {
      this.max = max;
    }

    boolean full() {
      return objects.size() + prefixes.size() >= max;
    }

    /** Returns false when the page is full and this item proves more follow. */
    boolean object(ObjectInfo o) {
      if (full()) {
        truncated = true;
        return false;
      }
      objects.add(o);
      last = o.key();
      return true;
    }

    boolean prefix(String p) {
      if (full()) {
        truncated = true;
        return false;
      }
      prefixes.add(p);
      last = p;
      return true;
    }
  }

  ListResult list(String bucket, ListQuery q) {
    String prefix = q.prefix() == null ? "" : q.prefix();
    String delimiter = q.delimiter() == null ? "" : q.delimiter();
    String after = q.startAfter() == null ? "" : q.startAfter();
    Page page = new Page(q.maxKeys());
    int slash = prefix.lastIndexOf('/');
    String dirKey = prefix.substring(0, slash + 1);
    String namePrefix = prefix.substring(slash + 1);
    String dirPath = "/" + bucket + (dirKey.isEmpty() ? "" : "/" + dirKey.substring(0, dirKey.length() - 1));
    try {
      FileInfo dir = engine.stat(dirPath);
      if (dir.isDirectory()) {
        walk(dirPath, dirKey, namePrefix, prefix, delimiter, after, page);
      }
    } catch (NotFoundException | NotADirectoryException e) {
      // nothing under this prefix
    }
    return new ListResult(page.objects, page.prefixes, page.truncated, page.truncated ? page.last : null);
  }

  /** A directory met during the scan, waiting for its place in key order. */
  private record Pending(String name, String sortKey) {}

  /**
   * Visits the keys under directory {@code dirPath} (key prefix {@code dirKey}) whose names start
   * with {@code namePrefix}, in S3 order. Returns false when the page stopped the walk.
   */
  private boolean walk(String dirPath, String dirKey, String namePrefix, String prefix, String delimiter,
      String after, Page page) {
    boolean grouping = delimiter.equals("/");
    String scanFrom = namePrefix;
    PriorityQueue<Pending> pending = new PriorityQueue<>(Comparator.comparing(Pending::sortKey, KeyOrder::compare));
    if (after.startsWith(dirKey) && after.length() > dirKey.length()) {
      String rest = after.substring(dirKey.length());
      int s = rest.indexOf('/');
      String first = s < 0 ? rest : rest.substring(0, s);
      if (KeyOrder.compare(first, scanFrom) > 0) {
        scanFrom = first;
        // a directory named by a proper prefix of `first` sorts after it when the next character is below '/'
        for (int k = Math.max(1, namePrefix.length()); k < first.length(); k++) {
          if (first.charAt(k) < '/') {
            String candidate = first.substring(0, k);
            try {
              if (engine.stat(dirPath + "/" + candidate).isDirectory()) {
                pending.add(new Pending(candidate, candidate + "/"));
              }
            } catch (NotFoundException e) {
              // no such directory
            }
          }
        }
      }
    }
    String cursor = null;
    while (true) {
      List<FileInfo> entries;
      if (cursor == null) {
        entries = scanFrom.isEmpty() ? engine.list(dirPath, "", PAGE) : listFrom(dirPath, scanFrom);
      } else {
        entries = engine.list(dirPath, cursor, PAGE);
      }
      for (FileInfo e : entries) {
        String name = e.name();
        if (!name.startsWith(namePrefix)) {
          if (KeyOrder.compare(name, namePrefix) > 0) {
            return flush(pending, null, dirPath, dirKey, prefix, delimiter, after, page);
          }
          continue;
        }
        String sortKey = e.isDirectory() ? name + "/" : name;
        if (!flush(pending, sortKey, dirPath, dirKey, prefix, delimiter, after, page)) {
          return false;
        }
        if (e.isDirectory()) {
          pending.add(new Pending(name, sortKey));
          continue;
        }
        String key = dirKey + name;
        if (!grouping && !delimiter.isEmpty()) {
          String tail = key.substring(prefix.length());
          int d = tail.indexOf(delimiter);
          if (d >= 0) {
            String cp = key.substring(0, prefix.length() + d + delimiter.length());
            if (KeyOrder.compare(cp, after) > 0 && !after.startsWith(cp) && !cp.equals(page.last) && !page.prefix(cp)) {
              return false;
            }
            continue;
          }
        }
        if (KeyOrder.compare(key, after) > 0 && !page.object(toObject.apply(e))) {
          return false;
        }
      }
      if (entries.size() < PAGE) {
        return flush(pending, null, dirPath, dirKey, prefix, delimiter, after, page);
      }
      cursor = entries.get(entries.size() - 1).name();
    }
  }

  /** Entries from {@code from} inclusive: the entry itself if it exists, then the page after it. */
  private List<FileInfo> listFrom(String dirPath, String from) {
    List<FileInfo> out = new ArrayList<>();
    try {
      out.add(engine.stat(dirPath + "/" + from));
    } catch (NotFoundException e) {
      // scanning starts after it
    }
    out.addAll(engine.list(dirPath, from, PAGE - out.size()));
    return out;
  }

  /** Emits pending directories that sort before {@code bound} (all when bound is null). */
  private boolean flush(PriorityQueue<Pending> pending, String bound, String dirPath, String dirKey, String prefix,
      String delimiter, String after, Page page) {
    while (!pending.isEmpty() && (bound == null || KeyOrder.compare(pending.peek().sortKey(), bound) < 0)) {
      Pending d = pending.poll();
      String key = dirKey + d.name() + "/";
      if (!after.startsWith(key) && KeyOrder.compare(key, after) <= 0) {
        continue; // wholly before the marker
      }
      if (delimiter.equals("/")) {
        if (after.startsWith(key) || key.equals(after)) {
          continue; // this group was returned on an earlier page
        }
        if (!page.prefix(key)) {
          return false;
        }
        continue;
      }
      String childPath = dirPath + "/" + d.name();
      if (!delimiter.isEmpty() && !key.substring(prefix.length()).contains(delimiter)) {
        // keep walking: the delimiter may appear deeper
      } else if (!delimiter.isEmpty()) {
        String tail = key.substring(prefix.length());
        String cp = key.substring(0, prefix.length() + tail.indexOf(delimiter) + delimiter.length());
        if (KeyOrder.compare(cp, after) > 0 && !after.startsWith(cp) && !cp.equals(page.last) && !page.prefix(cp)) {
          return false;
        }
        continue;
      }
      FileInfo child = engine.stat(childPath);
      if (child.attributes().containsKey(EngineS3Backend.DIR_MARKER) && KeyOrder.compare(key, after) > 0
          && !page.object(toObject.apply(child))) {
        return false; // a "d/" object comes before the keys below it
      }
      if (!walk(childPath, key, "", prefix, delimiter, after, page)) {
        return false;
      }
    }
    return true;
  }
}
