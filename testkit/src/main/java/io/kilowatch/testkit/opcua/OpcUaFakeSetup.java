package io.kilowatch.testkit.opcua;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;

/**
 * What an {@link OpcUaFakeServer} offers. Start from {@link #of} and change what a test needs with
 * the {@code with} methods.
 *
 * @param namespaceUri the namespace of {@code variables}
 * @param otherVariables variables of a namespace registered before it, so its index is not the
 *     first free one and the same browse name exists twice; none when empty
 * @param applicationName shown to clients, e.g. "kilowatch demo CDUs"
 * @param advertisedHost the host name the endpoints advertise; a name the client cannot resolve
 *     tests that it keeps the address it was given
 * @param secure whether every secure policy and mode is offered besides None (the server then has a
 *     certificate)
 * @param users user name to password
 * @param userCertificates which X.509 user certificates are accepted
 * @param maxNodesPerRead the most nodes one Read may ask for, 0 for Milo's default
 * @param maxSessionTimeoutMs the longest session timeout granted (a client asking more gets this),
 *     0 for Milo's default
 * @param onGoodRead told the id of each variable a Read call returned good, once per call
 */
public record OpcUaFakeSetup(
    String namespaceUri,
    List<FakeVariable> variables,
    List<FakeVariable> otherVariables,
    String applicationName,
    String advertisedHost,
    boolean secure,
    Map<String, String> users,
    Predicate<X509Certificate> userCertificates,
    int maxNodesPerRead,
    long maxSessionTimeoutMs,
    Consumer<String> onGoodRead) {

  public OpcUaFakeSetup {
    variables = List.copyOf(variables);
    otherVariables = List.copyOf(otherVariables);
    users = Map.copyOf(users);
  }

  /** Stored variables by id in {@link OpcUaFakeServer#DEMO_URI}; security None, anonymous. */
  public static OpcUaFakeSetup of(Map<String, DataValue> variables) {
    return of(stored(variables));
  }

  /** These variables in {@link OpcUaFakeServer#DEMO_URI}; security None, anonymous. */
  public static OpcUaFakeSetup of(List<FakeVariable> variables) {
    return new OpcUaFakeSetup(
        OpcUaFakeServer.DEMO_URI,
        variables,
        List.of(),
        "kilowatch test server",
        OpcUaFakeServer.HOST,
        false,
        Map.of(),
        c -> false,
        0,
        0,
        id -> {});
  }

  private static List<FakeVariable> stored(Map<String, DataValue> variables) {
    List<FakeVariable> out = new ArrayList<>();
    variables.forEach((id, value) -> out.add(FakeVariable.stored(id, value)));
    return out;
  }

  public OpcUaFakeSetup withNamespace(String uri, String applicationName) {
    return new OpcUaFakeSetup(
        uri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        secure,
        users,
        userCertificates,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  public OpcUaFakeSetup withOtherNamespace(Map<String, DataValue> variables) {
    return new OpcUaFakeSetup(
        namespaceUri,
        this.variables,
        stored(variables),
        applicationName,
        advertisedHost,
        secure,
        users,
        userCertificates,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  public OpcUaFakeSetup withAdvertisedHost(String host) {
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        host,
        secure,
        users,
        userCertificates,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  /** Offers every secure policy and mode besides None. */
  public OpcUaFakeSetup withSecurity() {
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        true,
        users,
        userCertificates,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  public OpcUaFakeSetup withUser(String name, String password) {
    var more = new java.util.HashMap<>(users);
    more.put(name, password);
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        secure,
        more,
        userCertificates,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  public OpcUaFakeSetup withUserCertificates(Predicate<X509Certificate> accepted) {
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        secure,
        users,
        accepted,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  public OpcUaFakeSetup withMaxNodesPerRead(int max) {
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        secure,
        users,
        userCertificates,
        max,
        maxSessionTimeoutMs,
        onGoodRead);
  }

  public OpcUaFakeSetup withMaxSessionTimeout(java.time.Duration max) {
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        secure,
        users,
        userCertificates,
        maxNodesPerRead,
        max.toMillis(),
        onGoodRead);
  }

  public OpcUaFakeSetup withGoodReadListener(Consumer<String> listener) {
    return new OpcUaFakeSetup(
        namespaceUri,
        variables,
        otherVariables,
        applicationName,
        advertisedHost,
        secure,
        users,
        userCertificates,
        maxNodesPerRead,
        maxSessionTimeoutMs,
        listener);
  }
}
