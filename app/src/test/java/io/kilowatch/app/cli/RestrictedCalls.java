package io.kilowatch.app.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;

/**
 * A child process for {@link JvmOptionsTest}: makes the two kinds of call that kilowatch's native
 * parts make (a restricted FFM method, as the NVML binding does, and {@code sun.misc.Unsafe} memory
 * access, as libraries on the class path do), which the JDK warns about unless they are allowed.
 */
public final class RestrictedCalls {
  private RestrictedCalls() {}

  public static void main(String[] args) throws Throwable {
    Linker linker = Linker.nativeLinker();
    var getpid =
        linker.downcallHandle(
            linker.defaultLookup().find("getpid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    int pid = (int) getpid.invokeExact();

    // By reflection: the class is terminally deprecated and javac would warn at every build.
    Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
    var field = unsafeClass.getDeclaredField("theUnsafe");
    field.setAccessible(true);
    Object unsafe = field.get(null);
    long address = (long) unsafeClass.getMethod("allocateMemory", long.class).invoke(unsafe, 8L);
    unsafeClass.getMethod("freeMemory", long.class).invoke(unsafe, address);

    System.out.println("pid " + pid + " " + (pid == ProcessHandle.current().pid()));
  }
}
