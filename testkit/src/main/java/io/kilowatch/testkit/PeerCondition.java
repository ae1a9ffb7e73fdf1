package io.kilowatch.testkit;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Evaluates {@link RequiresPeer}; see there. */
public final class PeerCondition implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return evaluate(context, required(context.getElement()));
  }

  ConditionEvaluationResult evaluate(ExtensionContext context, List<Peer> peers) {
    List<String> missing = new ArrayList<>();
    for (Peer peer : peers) {
      if (!peer.present()) {
        missing.add(peer.missing());
      }
    }
    if (missing.isEmpty()) {
      return ConditionEvaluationResult.enabled("every peer is installed");
    }
    String reason =
        String.join("; ", missing)
            + ": "
            + context.getRequiredTestClass().getSimpleName()
            + " runs against it";
    if (Peer.underCi()) {
      // A condition that throws fails the class or method it guards, with this message.
      throw new IllegalStateException(Peer.failure(reason));
    }
    return ConditionEvaluationResult.disabled(reason);
  }

  private static List<Peer> required(Optional<AnnotatedElement> element) {
    return element
        .map(e -> e.getAnnotation(RequiresPeer.class))
        .map(a -> List.of(a.value()))
        .orElse(List.of());
  }
}
