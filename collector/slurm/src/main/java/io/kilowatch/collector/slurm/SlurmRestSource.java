package io.kilowatch.collector.slurm;

import io.kilowatch.collector.JobSource;
import io.kilowatch.config.JobsConfig;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Jobs from slurmrestd: {@code GET <url>/slurm/<apiVersion>/jobs} with the JWT in {@code
 * X-SLURM-USER-TOKEN} and the user in {@code X-SLURM-USER-NAME}.
 */
public final class SlurmRestSource implements JobSource {
  private final JobsConfig.SlurmRest config;
  private final SlurmJobs jobs;
  private final HttpClient http;
  private final URI endpoint;

  public SlurmRestSource(JobsConfig.SlurmRest config) {
    this.config = config;
    this.jobs = new SlurmJobs(config.cluster(), config.nodes());
    this.http =
        HttpClient.newBuilder()
            // Without this the client offers an h2c upgrade, and slurmrestd 22.05 closes the
            // connection mid-answer.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.timeout())
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
            .build();
    String base = config.url().toString().replaceAll("/+$", "");
    this.endpoint = URI.create(base + "/slurm/" + config.apiVersion() + "/jobs");
  }

  /** The URL it polls. */
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public String name() {
    return "slurm " + config.cluster() + " " + config.url();
  }

  @Override
  public Duration interval() {
    return config.interval();
  }

  @Override
  public List<JobRecord> poll() throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint)
            .timeout(config.timeout())
            .header("X-SLURM-USER-NAME", config.user())
            .header("X-SLURM-USER-TOKEN", config.token())
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      String body = new String(response.body(), StandardCharsets.UTF_8);
      throw new IOException(
          endpoint
              + " answered HTTP "
              + response.statusCode()
              + ": "
              + (body.length() > 300 ? body.substring(0, 300) + "…" : body).strip());
    }
    return jobs.parse(response.body());
  }
}
