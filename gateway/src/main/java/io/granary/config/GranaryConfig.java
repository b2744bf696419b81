package io.granary.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's settings, read from YAML; every field has a default so an empty file (or none)
 * runs the embedded setup: a local directory as the root under-storage, everything under
 * {@code ./data}. Command-line flags and environment variables override the file.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public final class GranaryConfig {
  /** Where metadata, the default cache tier, credentials and the default root under-storage live. */
  public String dataDir = "./data";
  /** Address the listeners bind to. */
  public String host = "127.0.0.1";
  public S3 s3 = new S3();
  public Listener grpc = new Listener(9090);
  public Listener admin = new Listener(9100);
  /** Block size of cached files. */
  public String blockSize = "64MiB";
  /** The under-storage mounted at "/" (default: {@code file://<dataDir>/ufs}). */
  public Root root = new Root();
  /** Cache tiers, fastest first (default: MEM on /dev/shm when present, then SSD under the data dir). */
  public List<Tier> tiers = new ArrayList<>();
  /**
   * Eviction policy: TINYLFU (default: LRU order with admission by frequency, which keeps the cache
   * useful when a data set larger than it is read in shuffled epochs), LRU or LRFU.
   */
  public String eviction = "TINYLFU";
  /** Access keys for S3 and gRPC; GRANARY_ACCESS_KEY/GRANARY_SECRET_KEY add one. */
  public List<Credential> credentials = new ArrayList<>();
  /** Threads for under-storage transfers. */
  public int ufsThreads = 32;
  /**
   * Netty transport for every listener: epoll (default: native, sendfile; over three full S3
   * benchmark runs level with nio on one stream and ahead on four), nio (sendfile through
   * FileChannel.transferTo), or io_uring (copies file data through user space in Vert.x 5.0: about
   * half as fast). See BENCHMARKS.md.
   */
  public String transport = "epoll";
  /** Bandwidth of background persistence of ASYNC_THROUGH files ("0": unlimited), e.g. 200MiB per second. */
  public String persistBandwidth = "0";

  /** A FUSE mount served by this gateway (none unless {@code fuse.mountPoint} is set). */
  public Fuse fuse = new Fuse();

  /** The in-process FUSE mount. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class Fuse {
    /** Where to mount ("": no mount). */
    public String mountPoint = "";
    /** Mount options, as for {@code -o} (e.g. "attr_timeout=60,threads=16,write_type=THROUGH"). */
    public List<String> options = new ArrayList<>();
  }

  /** The S3 listener. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class S3 {
    public int port = 9000;
    /** Region reported by GetBucketLocation and accepted in signatures (any region is accepted). */
    public String region = "us-east-1";
    /** Base domains for virtual-host addressing (bucket.DOMAIN); path style always works. */
    public List<String> domains = new ArrayList<>(List.of("localhost"));
    /** Buckets anyone may read without signing. */
    public List<String> publicReadBuckets = new ArrayList<>();
    /** Worker threads that run S3 requests (each blocks on storage). */
    public int workerThreads = 64;
    /** Event loops serving S3 connections (server instances sharing the port); default: one per core. */
    public int eventLoops = Runtime.getRuntime().availableProcessors();
  }

  /** A listener port; 0 picks a free one. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class Listener {
    public int port;

    public Listener() {}

    Listener(int port) {
      this.port = port;
    }
  }

  /** The root mount. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class Root {
    public String uri = "";
    public Map<String, String> options = new LinkedHashMap<>();
  }

  /** A cache tier. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class Tier {
    public String name;
    public String path;
    public String quota;
    public double highWatermark = 0.95;
    public double lowWatermark = 0.8;
  }

  /** An access key and its secret. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class Credential {
    public String accessKey;
    public String secretKey;

    @Override
    public String toString() {
      return "Credential[" + accessKey + ", secret hidden]";
    }
  }

  /** Reads a YAML file; unknown keys are errors so typos do not pass silently. */
  public static GranaryConfig load(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    String text = Files.readString(file);
    if (text.isBlank()) {
      return new GranaryConfig();
    }
    return yaml.readValue(text, GranaryConfig.class);
  }

  public long blockSizeBytes() {
    return Sizes.parse(blockSize);
  }
}
