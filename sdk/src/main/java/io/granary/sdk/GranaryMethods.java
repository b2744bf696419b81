package io.granary.sdk;

import com.google.protobuf.Message;
import io.granary.sdk.proto.CacheReport;
import io.granary.sdk.proto.CreateDirectoryRequest;
import io.granary.sdk.proto.DataChunk;
import io.granary.sdk.proto.DeleteRequest;
import io.granary.sdk.proto.Empty;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FreeResponse;
import io.granary.sdk.proto.ListPage;
import io.granary.sdk.proto.ListRequest;
import io.granary.sdk.proto.LoadProgress;
import io.granary.sdk.proto.LoadRequest;
import io.granary.sdk.proto.MountRequest;
import io.granary.sdk.proto.MountTable;
import io.granary.sdk.proto.OpenFileRequest;
import io.granary.sdk.proto.OpenFileResponse;
import io.granary.sdk.proto.PathRequest;
import io.granary.sdk.proto.PinRequest;
import io.granary.sdk.proto.ReadBlockRequest;
import io.granary.sdk.proto.RenameRequest;
import io.granary.sdk.proto.SetAttributesRequest;
import io.granary.sdk.proto.SetTtlRequest;
import io.granary.sdk.proto.SymlinkRequest;
import io.granary.sdk.proto.WriteRequest;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;

/**
 * The methods of the {@code granary.v1.Granary} service, for the server (decodes requests, encodes
 * responses) and the client (the other way round). Written once here instead of generated, so
 * the build needs only protoc's message classes.
 */
public final class GranaryMethods {
  public static final ServiceName SERVICE = ServiceName.create("granary.v1", "Granary");

  /** One RPC: its server-side and client-side descriptors. */
  public record Method<Req extends Message, Resp extends Message>(ServiceMethod<Req, Resp> server,
      ServiceMethod<Resp, Req> client) {}

  private static <Req extends Message, Resp extends Message> Method<Req, Resp> method(String name, Req req, Resp resp) {
    return new Method<>(
        ServiceMethod.server(SERVICE, name, GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(req)),
        ServiceMethod.client(SERVICE, name, GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(resp)));
  }

  public static final Method<PathRequest, FileStatus> GET_STATUS =
      method("GetStatus", PathRequest.getDefaultInstance(), FileStatus.getDefaultInstance());
  public static final Method<ListRequest, ListPage> LIST_STATUS =
      method("ListStatus", ListRequest.getDefaultInstance(), ListPage.getDefaultInstance());
  public static final Method<CreateDirectoryRequest, FileStatus> CREATE_DIRECTORY =
      method("CreateDirectory", CreateDirectoryRequest.getDefaultInstance(), FileStatus.getDefaultInstance());
  public static final Method<DeleteRequest, Empty> DELETE =
      method("Delete", DeleteRequest.getDefaultInstance(), Empty.getDefaultInstance());
  public static final Method<RenameRequest, FileStatus> RENAME =
      method("Rename", RenameRequest.getDefaultInstance(), FileStatus.getDefaultInstance());
  public static final Method<MountRequest, Empty> MOUNT =
      method("Mount", MountRequest.getDefaultInstance(), Empty.getDefaultInstance());
  public static final Method<PathRequest, Empty> UNMOUNT =
      method("Unmount", PathRequest.getDefaultInstance(), Empty.getDefaultInstance());
  public static final Method<Empty, MountTable> GET_MOUNT_TABLE =
      method("GetMountTable", Empty.getDefaultInstance(), MountTable.getDefaultInstance());
  public static final Method<OpenFileRequest, OpenFileResponse> OPEN_FILE =
      method("OpenFile", OpenFileRequest.getDefaultInstance(), OpenFileResponse.getDefaultInstance());
  public static final Method<ReadBlockRequest, DataChunk> READ_BLOCK =
      method("ReadBlock", ReadBlockRequest.getDefaultInstance(), DataChunk.getDefaultInstance());
  public static final Method<WriteRequest, FileStatus> WRITE_FILE =
      method("WriteFile", WriteRequest.getDefaultInstance(), FileStatus.getDefaultInstance());
  public static final Method<LoadRequest, LoadProgress> LOAD =
      method("Load", LoadRequest.getDefaultInstance(), LoadProgress.getDefaultInstance());
  public static final Method<PathRequest, FreeResponse> FREE =
      method("Free", PathRequest.getDefaultInstance(), FreeResponse.getDefaultInstance());
  public static final Method<PinRequest, Empty> PIN =
      method("Pin", PinRequest.getDefaultInstance(), Empty.getDefaultInstance());
  public static final Method<SetTtlRequest, Empty> SET_TTL =
      method("SetTtl", SetTtlRequest.getDefaultInstance(), Empty.getDefaultInstance());
  public static final Method<PathRequest, Empty> SYNC =
      method("Sync", PathRequest.getDefaultInstance(), Empty.getDefaultInstance());
  public static final Method<Empty, CacheReport> GET_CACHE_REPORT =
      method("GetCacheReport", Empty.getDefaultInstance(), CacheReport.getDefaultInstance());
  public static final Method<SetAttributesRequest, FileStatus> SET_ATTRIBUTES =
      method("SetAttributes", SetAttributesRequest.getDefaultInstance(), FileStatus.getDefaultInstance());
  public static final Method<SymlinkRequest, FileStatus> CREATE_SYMLINK =
      method("CreateSymlink", SymlinkRequest.getDefaultInstance(), FileStatus.getDefaultInstance());

  /** Call metadata carrying the caller's access key, request time and signature. */
  public static final String ACCESS_KEY_HEADER = "x-granary-access-key";
  public static final String DATE_HEADER = "x-granary-date";
  public static final String SIGNATURE_HEADER = "x-granary-signature";

  private GranaryMethods() {}
}
