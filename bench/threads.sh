# Sourced by run.sh and ab.sh: reading a Java process's CPU by thread from /proc.
#
# Sluice's CPU ticks by thread group: the event loops, the access-log writer, the JIT's compiler threads, the collector
# (and the VM thread), the rest. A thread's name may hold spaces ("C2 CompilerThread0"), so its /proc stat fields are
# counted from the ')' that ends the name.
thread_group_ticks() {
  local d
  for d in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(cat "$d/comm" 2>/dev/null)" "$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$d/stat" 2>/dev/null)"
  done | awk -F'\t' '$2 != "" {
      g = "other"
      if ($1 ~ /^vert\.x-eventloo/) g = "loops"; else if ($1 ~ /^sluice-access-l/) g = "writer"
      else if ($1 ~ /^C[12] CompilerThre/) g = "jit"; else if ($1 ~ /^(G1 |GC Thread|VM Thread)/) g = "gc"
      t[g] += $2 }
    END { printf "loops=%d writer=%d jit=%d gc=%d other=%d\n", t["loops"], t["writer"], t["jit"], t["gc"], t["other"] }'
}
