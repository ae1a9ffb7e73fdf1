package io.kilowatch.testkit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The stub NVML of {@code src/test/c/nvml_stub.c}, compiled with gcc into a temporary folder once
 * per JVM, and its control functions. It is loaded by absolute path, so no {@code LD_LIBRARY_PATH}
 * is needed; the binding under test and this class share one copy of the library (dlopen of the
 * same path gives the same handle), so what a test scripts here is what the binding reads.
 */
public final class StubNvml {
  /** A current driver: every function the binding uses. */
  public static final Variant CURRENT = new Variant("current", "");

  /** A pre-535 driver: no margin function, clocks-event reasons under their older name. */
  public static final Variant OLD_DRIVER = new Variant("old", "-DSTUB_OLD_DRIVER");

  private static Path dir;

  public record Variant(String name, String flag) {}

  private final Path library;
  private final MethodHandle reset;
  private final MethodHandle fail;
  private final MethodHandle set;
  private final MethodHandle calls;
  private final MethodHandle initResult;

  private StubNvml(Path library) {
    this.library = library;
    // A global arena: the library stays loaded for the JVM, like the binding's own copy may.
    SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
    Linker linker = Linker.nativeLinker();
    reset =
        linker.downcallHandle(
            lookup.findOrThrow("stub_reset"), FunctionDescriptor.ofVoid(JAVA_INT));
    fail =
        linker.downcallHandle(
            lookup.findOrThrow("stub_fail"),
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT));
    set =
        linker.downcallHandle(
            lookup.findOrThrow("stub_set"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    calls =
        linker.downcallHandle(
            lookup.findOrThrow("stub_calls"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    initResult =
        linker.downcallHandle(
            lookup.findOrThrow("stub_set_init_result"), FunctionDescriptor.ofVoid(JAVA_INT));
  }

  /**
   * Builds (once) and loads the stub; skips the test when gcc is missing, except under CI, where
   * gcc is installed by {@code .ci/run} and its absence is a failure.
   */
  public static synchronized StubNvml load(Variant variant) {
    Path lib = build(variant);
    return new StubNvml(lib);
  }

  /** Path of the built library, as a site file or {@code --nvml-library} would give it. */
  public String path() {
    return library.toString();
  }

  private static Path build(Variant variant) {
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("nvml-stub");
        dir.toFile().deleteOnExit();
      }
      Path out = dir.resolve(variant.name()).resolve("libnvidia-ml.so.1");
      if (Files.exists(out)) {
        return out;
      }
      Files.createDirectories(out.getParent());
      Path source = dir.resolve("nvml_stub.c");
      if (!Files.exists(source)) {
        try (InputStream in = StubNvml.class.getResourceAsStream("/nvml-stub/nvml_stub.c")) {
          if (in == null) {
            throw new IllegalStateException("nvml-stub/nvml_stub.c is not on the test classpath");
          }
          Files.copy(in, source);
        }
      }
      Peer.GCC.require();
      var cmd = new java.util.ArrayList<String>();
      cmd.addAll(
          java.util.List.of(
              "gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", out.toString()));
      if (!variant.flag().isEmpty()) {
        cmd.add(variant.flag());
      }
      cmd.add(source.toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("gcc did not finish in 60 s");
      }
      String log = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IllegalStateException("gcc failed: " + log);
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Back to the default script: {@code count} GPUs with known values, no failures. */
  public StubNvml reset(int count) {
    invoke(reset, count);
    return this;
  }

  /**
   * Makes {@code function} return the NVML return code {@code error} ({@code nvmlReturn_t}) for one
   * GPU, or every GPU with -1.
   */
  public StubNvml fail(String function, int gpu, int error) {
    try (Arena a = Arena.ofConfined()) {
      invoke(fail, a.allocateFrom(function), gpu, error);
    }
    return this;
  }

  /**
   * Sets a scripted value: {@code power_mw}, {@code limit_mw}, {@code energy_mj}, {@code temp_c},
   * {@code mem_temp_c}, {@code margin_c}, {@code reasons}, {@code util_gpu}, {@code clock_sm}.
   */
  public StubNvml set(String what, int gpu, long value) {
    try (Arena a = Arena.ofConfined()) {
      int rc = (int) invoke(set, a.allocateFrom(what), gpu, value);
      if (rc != 0) {
        throw new IllegalArgumentException("stub has no value " + what + " for GPU " + gpu);
      }
    }
    return this;
  }

  /** What {@code nvmlInit_v2} returns from now on, as an NVML return code. */
  public StubNvml initResult(int error) {
    invoke(initResult, error);
    return this;
  }

  /** Calls of {@code function} since the last reset. */
  public int calls(String function) {
    try (Arena a = Arena.ofConfined()) {
      return (int) invoke(calls, a.allocateFrom(function));
    }
  }

  private static Object invoke(MethodHandle h, Object... args) {
    try {
      return h.invokeWithArguments(args);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
