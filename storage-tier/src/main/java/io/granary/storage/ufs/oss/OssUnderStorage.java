package io.granary.storage.ufs.oss;

import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.ClientException;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import com.aliyun.oss.model.DeleteObjectsRequest;
import com.aliyun.oss.model.GetObjectRequest;
import com.aliyun.oss.model.ListObjectsV2Request;
import com.aliyun.oss.model.ListObjectsV2Result;
import com.aliyun.oss.model.OSSObject;
import com.aliyun.oss.model.ObjectMetadata;
import com.aliyun.oss.model.PutObjectRequest;
import io.granary.error.InvalidArgumentException;
import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.support.ObjectStoreUnderStorage;
import io.granary.storage.ufs.support.PutSource;
import io.granary.storage.ufs.support.UfsInputStream;
import io.granary.storage.ufs.support.UfsOptions;
import java.io.InputStream;
import java.net.URI;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An Aliyun OSS bucket, or a key prefix in one, {@code oss://bucket/prefix}, through the Aliyun
 * OSS SDK.
 *
 * <p>Options (see {@link UfsOptions}): {@code endpoint} (required, e.g.
 * {@code https://oss-cn-hangzhou.aliyuncs.com}), {@code access-key}/{@code secret-key} (a dummy
 * pair without them, for servers that ignore authentication), {@code connect-timeout-ms} (5000),
 * {@code request-timeout-ms} (30000, the socket read timeout), {@code retries} (3, the SDK's own
 * retries). Ranged reads ask for standard range behaviour, so a read past the end is a 416 (read
 * as an empty stream) rather than OSS's default of returning the whole object.
 */
public final class OssUnderStorage extends ObjectStoreUnderStorage {
  private static final String DUMMY_KEY = "granary-anonymous";

  private final OSS oss;

  public OssUnderStorage(URI uri, Map<String, String> options) {
    super(uri, "oss");
    UfsOptions o = new UfsOptions(options);
    String endpoint = o.string(UfsOptions.ENDPOINT)
        .orElseThrow(() -> new InvalidArgumentException("option endpoint is required for " + uri));
    int connectTimeout = (int) Math.min(Integer.MAX_VALUE, o.millis(UfsOptions.CONNECT_TIMEOUT_MS, 5_000).toMillis());
    int requestTimeout = (int) Math.min(Integer.MAX_VALUE, o.millis(UfsOptions.REQUEST_TIMEOUT_MS, 30_000).toMillis());

    ClientBuilderConfiguration conf = new ClientBuilderConfiguration();
    conf.setConnectionTimeout(connectTimeout);
    conf.setConnectionRequestTimeout(connectTimeout);
    conf.setSocketTimeout(requestTimeout);
    conf.setMaxErrorRetry(o.nonNegativeInt(UfsOptions.RETRIES, 3));
    String accessKey = o.string(UfsOptions.ACCESS_KEY).orElse(DUMMY_KEY);
    String secretKey = o.string(UfsOptions.SECRET_KEY).orElse(DUMMY_KEY);
    this.oss = new OSSClientBuilder().build(endpoint, new DefaultCredentialProvider(accessKey, secretKey), conf);
  }

  @Override
  protected boolean bucketExists() {
    try {
      call("list bucket", () -> oss.listObjectsV2(new ListObjectsV2Request(bucket()).withMaxKeys(1)));
      return true;
    } catch (UnderStorageException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  @Override
  protected Optional<ObjectInfo> headObject(String key) {
    try {
      ObjectMetadata head = call("head " + key, () -> oss.getObjectMetadata(bucket(), key));
      return Optional.of(new ObjectInfo(key, head.getContentLength(), millis(head.getLastModified()), unquote(head.getETag())));
    } catch (UnderStorageException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  protected KeyPage listKeys(String keyPrefix, String delimiter, String token, int maxKeys) {
    ListObjectsV2Request request = new ListObjectsV2Request(bucket()).withPrefix(keyPrefix).withMaxKeys(maxKeys);
    if (delimiter != null) {
      request.setDelimiter(delimiter);
    }
    if (token != null) {
      request.setContinuationToken(token);
    }
    ListObjectsV2Result page = call("list " + keyPrefix, () -> oss.listObjectsV2(request));
    List<ObjectInfo> objects = page.getObjectSummaries().stream()
        .map(s -> new ObjectInfo(s.getKey(), s.getSize(), millis(s.getLastModified()), unquote(s.getETag())))
        .toList();
    return new KeyPage(objects, List.copyOf(page.getCommonPrefixes()), page.isTruncated() ? page.getNextContinuationToken() : null);
  }

  @Override
  protected InputStream getObject(String key, long offset, long length) {
    GetObjectRequest request = new GetObjectRequest(bucket(), key);
    if (offset > 0 || length > 0) {
      request.setRange(offset, length > 0 ? offset + length - 1 : -1);
      request.addHeader("x-oss-range-behavior", "standard");
    }
    OSSObject object;
    try {
      object = oss.getObject(request);
    } catch (OSSException | ClientException e) {
      if (OssErrors.isUnsatisfiableRange(e)) {
        return UfsInputStream.empty();
      }
      throw OssErrors.translate(e, "open " + key);
    }
    return new UfsInputStream(object.getObjectContent(), object::forcedClose, e -> OssErrors.translate(e, "read " + key));
  }

  @Override
  protected void putObject(String key, PutSource data) {
    ObjectMetadata metadata = new ObjectMetadata();
    metadata.setContentLength(data.length());
    metadata.setContentType("application/octet-stream");
    try {
      oss.putObject(new PutObjectRequest(bucket(), key, data, metadata));
    } catch (OSSException | ClientException e) {
      throw data.failureOr(OssErrors.translate(e, "put " + key));
    }
  }

  @Override
  protected void copyObject(String srcKey, String dstKey) {
    call("copy " + srcKey + " to " + dstKey, () -> oss.copyObject(bucket(), srcKey, bucket(), dstKey));
  }

  @Override
  protected void deleteObjects(List<String> keys) {
    if (keys.size() == 1) {
      call("delete " + keys.get(0), () -> oss.deleteObject(bucket(), keys.get(0)));
      return;
    }
    call("delete " + keys.size() + " keys",
        () -> oss.deleteObjects(new DeleteObjectsRequest(bucket()).withKeys(List.copyOf(keys)).withQuiet(true)));
  }

  @Override
  public void close() {
    oss.shutdown();
  }

  private static <T> T call(String what, Supplier<T> request) {
    try {
      return request.get();
    } catch (OSSException | ClientException e) {
      throw OssErrors.translate(e, what);
    }
  }

  private static long millis(Date date) {
    return date == null ? 0 : date.getTime();
  }
}
