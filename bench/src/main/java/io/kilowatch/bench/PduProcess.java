package io.kilowatch.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scale site's PDUs served by a JVM of their own, driven over its standard input and output
 * with one command per line. A process may hold only so many descriptors (20,000 here, not
 * raisable): past 50,000 GPUs the exporters' kept-alive connections and one listening port plus one
 * connection per PDU do not fit one process together.
 *
 * <p>Commands: {@code stop d}, {@code resume d}, {@code measure-from ms}, {@code restart ms gap},
 * {@code report} (one line per device, then {@code end}); end of input ends the process.
 */
final class PduProcess implements PduSide {
  private final Process process;
  private final BufferedWriter in;
  private final BufferedReader reader;
  private final int[] ports;

  private PduProcess(Process process, BufferedReader reader, int[] ports) {
    this.process = process;
    this.in =
        new BufferedWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    this.reader = reader;
    this.ports = ports;
  }

  /** Starts the PDUs' process on this JVM's runtime and class path and waits for its ports. */
  static PduProcess start(int devices, long seed) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PduProcess.class.getName());
    cmd.add(Integer.toString(devices));
    cmd.add(Long.toString(seed));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    var reader =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = reader.readLine();
    if (line == null || !line.startsWith("ports ")) {
      p.destroyForcibly();
      throw new IOException("the PDU process did not start: " + line);
    }
    String[] f = line.substring(6).split(" ");
    int[] ports = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      ports[i] = Integer.parseInt(f[i]);
    }
    return new PduProcess(p, reader, ports);
  }

  private synchronized List<String> ask(String command, boolean answer) {
    try {
      in.write(command);
      in.write('\n');
      in.flush();
      List<String> lines = new ArrayList<>();
      while (true) {
        String line = reader.readLine();
        if (line == null) {
          throw new IOException("the PDU process ended");
        }
        if (line.equals("end")) {
          return lines;
        }
        if (answer) {
          lines.add(line);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public int port(int device) {
    return ports[device];
  }

  @Override
  public int meterPort() {
    return ports[ports.length - 1];
  }

  @Override
  public void stop(int device) {
    ask("stop " + device, false);
  }

  @Override
  public void resume(int device) {
    ask("resume " + device, false);
  }

  @Override
  public boolean everFaulted(int device) {
    return false; // faults are scheduled only on PDUs served in-process
  }

  @Override
  public Faults faults() {
    throw new UnsupportedOperationException("faults are scheduled only on PDUs served in-process");
  }

  @Override
  public void measureFrom(long epochMs) {
    ask("measure-from " + epochMs, false);
  }

  @Override
  public void restartMeasuring(long epochMs, long lateGapMs) {
    ask("restart " + epochMs + " " + lateGapMs, false);
  }

  @Override
  public AnswerLog answers() {
    List<String> lines = ask("report", true);
    long[][] rows = new long[lines.size()][];
    for (int d = 0; d < rows.length; d++) {
      String[] f = lines.get(d).split(" ");
      rows[d] =
          new long[] {
            Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])
          };
    }
    return AnswerLog.of(rows);
  }

  @Override
  public double apartCpuSeconds() {
    return ProcTree.cpuSeconds(process.pid());
  }

  @Override
  public void close() throws IOException {
    try {
      in.close();
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The child: serves the PDUs and answers commands until its input ends. */
  public static void main(String[] args) throws IOException {
    // Commands are answered on stdout: nothing else may write there.
    PrintStream answers =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out),
            false,
            StandardCharsets.UTF_8);
    System.setOut(System.err);
    int devices = Integer.parseInt(args[0]);
    try (var pdus = new PduModbusServer(devices, Long.parseLong(args[1]))) {
      StringBuilder ports = new StringBuilder("ports");
      for (int d = 0; d < devices; d++) {
        ports.append(' ').append(pdus.port(d));
      }
      ports.append(' ').append(pdus.meterPort());
      answers.println(ports);
      answers.flush();
      var commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = commands.readLine()) != null) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "stop" -> pdus.stop(Integer.parseInt(f[1]));
          case "resume" -> pdus.resume(Integer.parseInt(f[1]));
          case "measure-from" -> pdus.measureFrom(Long.parseLong(f[1]));
          case "restart" -> pdus.restartMeasuring(Long.parseLong(f[1]), Long.parseLong(f[2]));
          case "report" -> {
            AnswerLog log = pdus.answers();
            StringBuilder sb = new StringBuilder();
            for (int d = 0; d < log.size(); d++) {
              sb.append(log.total(d))
                  .append(' ')
                  .append(log.measured(d))
                  .append(' ')
                  .append(log.firstMeasuredMs(d))
                  .append(' ')
                  .append(log.late(d))
                  .append('\n');
            }
            answers.print(sb);
          }
          default -> System.err.println("pdu process: unknown command " + line);
        }
        answers.println("end");
        answers.flush();
      }
    }
  }
}
