package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.granary.loadtest.GranaryS3.MIB;
import static io.granary.loadtest.GranaryS3.intProp;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.List;

/**
 * Cached 64 MiB GETs: {@code large.objects} (2) objects of {@code large.size} (64 MiB) are PUT and
 * read once in {@code before()}, then {@code large.concurrency} (4) users GET random ones back to
 * back (closed model) for {@code granary.seconds} (60). Throughput in MiB/s is req/s × 64.
 *
 * <p>Each GET must answer 200 with {@code Content-Length} equal to the object's size. The body is
 * not kept (Gatling keeps it only for body checks, and 64 MiB per request would be measured as
 * client allocation); HTTP framing makes a short body a failed request (premature close or
 * timeout) and a long one a broken next response, so the length is still enforced.
 */
public class CachedLargeGetSimulation extends GranaryS3.Sim {
  private final int size = intProp("large.size", 64 * MIB);
  private final List<String> keys = GranaryS3.objectKeys("large", intProp("large.objects", 2), size);
  private final int concurrency = intProp("large.concurrency", 4);
  private final Duration duration = GranaryS3.seconds("large.seconds", 60);

  private final ScenarioBuilder scn = scenario("cached large GET")
      .exec(http("GET " + size / MIB + " MiB (cached)")
          .get(s -> s3.objectPath(GranaryS3.randomKey(keys)))
          .check(status().is(200), header("Content-Length").is(Integer.toString(size))));

  {
    closedLoad(scn, concurrency, duration, 180, 20_000, 1);
  }

  @Override
  void prepare() throws Exception {
    s3.putAndReadOnce(keys, GranaryS3.randomBytes(size, 2), 2);
  }
}
