# Sourced by ./mvnw and ./kilowatch: exports JAVA_HOME pointing at a JDK >= 25.
# The machines we target ship java 17 as the default and a JDK 25 beside it, so a
# plain PATH lookup picks the wrong one; look in the usual install places instead
# of asking every user to set JAVA_HOME by hand.
kw_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}
kw_find_jdk() {
  kw_need=25
  for kw_home in "${KILOWATCH_JAVA_HOME-}" "${JAVA_HOME-}"; do
    if [ -n "$kw_home" ] && [ -x "$kw_home/bin/javac" ]; then
      kw_v=$(kw_java_major "$kw_home")
      if [ -n "$kw_v" ] && [ "$kw_v" -ge "$kw_need" ]; then JAVA_HOME=$kw_home; export JAVA_HOME; return 0; fi
    fi
  done
  kw_javac=$(command -v javac 2>/dev/null || true)
  if [ -n "$kw_javac" ]; then
    kw_home=$(dirname "$(dirname "$(readlink -f "$kw_javac")")")
    kw_v=$(kw_java_major "$kw_home")
    if [ -n "$kw_v" ] && [ "$kw_v" -ge "$kw_need" ]; then JAVA_HOME=$kw_home; export JAVA_HOME; return 0; fi
  fi
  for kw_home in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$kw_home/bin/javac" ] || continue
    kw_v=$(kw_java_major "$kw_home")
    if [ -n "$kw_v" ] && [ "$kw_v" -ge "$kw_need" ]; then JAVA_HOME=$kw_home; export JAVA_HOME; return 0; fi
  done
  echo "kilowatch needs a JDK $kw_need or newer and found none." >&2
  echo "Looked at \$KILOWATCH_JAVA_HOME, \$JAVA_HOME, javac on the PATH, /usr/lib/jvm, /opt/java, ~/.sdkman and ~/.jdks." >&2
  echo "Install one (e.g. Temurin 25) or point KILOWATCH_JAVA_HOME at it." >&2
  return 1
}
# mvnw runs under `set -f`, which would stop the glob above from expanding.
case $- in *f*) set +f; kw_find_jdk || exit 1; set -f ;; *) kw_find_jdk || exit 1 ;; esac
