/**
 * The per-job supervisor shim, in Perl (perl-base is an essential package on Debian/Ubuntu and
 * ships with macOS): about 0.6 MB per job where a Node supervisor costs 8 MB. Run by SHIM_BOOT
 * (see shim.ts for the arguments and the stdin spec).
 *
 * It forks the workload into a session of its own with stdout/stderr going straight into the
 * log files (no copy in the data path; the workload keeps writing if the shim dies) — on Linux
 * with clone3(CLONE_INTO_CGROUP) straight into the job's cgroup, and setsid by its syscall
 * number (see `linuxSyscalls` in shim.ts) — waits
 * with waitpid (exact wait status: `exit 130` and a SIGINT death differ), enforces the timeout
 * and kill-after, builds full.log from the logs, records the exit in `exit.rec` and then runs
 * the short-lived Node step `_finish` (state.json, events, notification sinks). Output
 * matching, when configured (at launch or later by `notify set`), runs in a Node `_follow`
 * started on demand; `--progress-every` in a Node `_progress` for the job's life. It sleeps
 * between log reads (20 ms after output, backing off to 1 s when the job is quiet) and wakes at
 * once on the workload's exit (SIGCHLD).
 */
/**
 * `perl -e SHIM_BOOT _supervise --job-id <id> --supervise-root <root> …`: reads the script
 * (9-digit length, then the text) and then the spec from stdin, so that the command line is
 * short and names the job the way `pgrep -f "_supervise.*<id>"` expects.
 */
export const SHIM_BOOT = 'read(STDIN, my $n, 9) == 9 or exit 2; read(STDIN, my $s, $n) == $n or exit 2; eval $s; die $@ if $@;';

export const SHIM_SCRIPT = String.raw`
use strict;
# No POSIX or Fcntl in this process: each costs more memory than the rest of the shim (the
# forked child loads POSIX for setsid, then execs). Files are made 0600 through the umask.
my $umask = umask 077;
my (undef, undef, $id, undef, $root, $dir, $fullpath, $cwd, $stdinfile, $timeout_ms, $kill_after_ms, $cg, $node, $script, $match, $stdinpipe, $linux, $progress_ms) = @ARGV;
# Linux only: the setsid syscall number and SIGCHLD, from the launcher (perl-base has no syscall.ph).
my ($setsid_nr, $sigchld) = split /,/, $linux // '';
# send-input --eof asks (by SIGUSR1) to close the input pipe: it must wake the loop, not end the shim.
$SIG{USR1} = sub {};
my $hires = eval { require Time::HiRes; 1 };
sub now_ms { $hires ? int(Time::HiRes::time() * 1000) : time() * 1000 }
sub uptime_ms { open(my $f, '<', '/proc/uptime') or return time() * 1000; my $u = <$f>; close $f; int(($u =~ /^([\d.]+)/)[0] * 1000) }
sub mono_ms { $hires ? int(Time::HiRes::clock_gettime(Time::HiRes::CLOCK_MONOTONIC()) * 1000) : uptime_ms() }
sub answer { syswrite STDOUT, "$_[0]\n"; }
sub fail { answer("error $_[0]"); rmdir $cg if $cg ne ''; exit 1; }
sub start_time { my $s = ''; open(my $f, '<', "/proc/$_[0]/stat") or return ''; $s = <$f>; close $f; $s =~ s/^.*\)\s+//s; (split / /, $s)[19] // '' }

my $spec = do { local $/; <STDIN> } // '';
my @f = split /\0/, $spec, -1; pop @f if @f && $f[-1] eq '';
my $argc = shift @f; fail('bad spec') unless defined $argc && $argc =~ /^\d+$/ && $argc > 0 && @f >= $argc;
my @argv = splice @f, 0, $argc;
my @env = @f;

# O_APPEND: the workload and every descendant append atomically, even after a truncation.
sub log_for_append { open(my $h, '>>', $_[0]) or fail("cannot open $_[0]: $!"); truncate($h, 0); $h }
my $out = log_for_append("$dir/stdout.log");
my $err = log_for_append("$dir/stderr.log");
open(my $full, '>', $fullpath) or fail("cannot open log $fullpath: $!");
my %rd;
open($rd{out}, '<', "$dir/stdout.log") or fail("cannot read $dir/stdout.log: $!");
open($rd{err}, '<', "$dir/stderr.log") or fail("cannot read $dir/stderr.log: $!");
pipe(my $xr, my $xw) or fail("pipe: $!");
# --stdin-pipe: held open read-write here, so the workload's reads block until send-input writes
# (and see end-of-file only once this is closed, on stdin.eof).
my $hold;
if ($stdinpipe) { open($hold, '+<', $stdinfile) or fail("cannot open input pipe $stdinfile: $!"); }

# Born in the job's cgroup: clone3 with CLONE_INTO_CGROUP (Linux 5.7+). Moving a process in
# later (a write to cgroup.procs) waits for an RCU grace period, 10–25 ms of every launch here.
# The child goes on in Perl as after fork (no stdio is buffered: every write is a syswrite).
# 0: not born inside (no cgroup, not Linux, an older kernel or a seccomp filter refusing clone3).
my $born_in_cg = 0;
sub fork_workload {
  if ($cg ne '' && $sigchld && open(my $d, '<', $cg)) {
    my $args = eval { pack('Q11', 0x200000000, 0, 0, 0, $sigchld, 0, 0, 0, 0, 0, fileno($d)) };
    my $p = defined $args ? syscall(435, $args, length $args) : -1;
    if ($p >= 0) { $born_in_cg = 1; return $p; }
  }
  return fork;
}
my $pid = fork_workload();
fail("fork: $!") unless defined $pid && $pid >= 0;
if ($pid == 0) {
  close $xr;
  close $hold if $hold;
  # POSIX costs 5 ms to load: only where the setsid syscall number is unknown, or to fail.
  my $die = sub { syswrite $xw, $_[0]; require POSIX; POSIX::_exit(127) };
  if (!$setsid_nr || syscall($setsid_nr) < 0) { require POSIX; POSIX::setsid(); }
  umask $umask;
  if ($cg ne '' && !$born_in_cg && open(my $p, '>>', "$cg/cgroup.procs")) { syswrite $p, '0'; close $p; }
  chdir $cwd or $die->("working directory $cwd: $!");
  if ($stdinfile ne '') { open(STDIN, '<', $stdinfile) or $die->("cannot open stdin file $stdinfile: $!"); }
  else { open(STDIN, '<', '/dev/null') or $die->("/dev/null: $!"); }
  open(STDOUT, '>&', $out) or $die->("stdout: $!");
  open(STDERR, '>&', $err) or $die->("stderr: $!");
  %ENV = ();
  for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v // ''; }
  $SIG{$_} = 'DEFAULT' for qw(PIPE CHLD INT TERM HUP);
  { no warnings 'exec'; exec { $argv[0] } @argv; }
  $die->("cannot run $argv[0]: $!");
}
close $xw; close $out; close $err;
my $spawned = mono_ms();
my $started = now_ms();
my $xmsg = '';
sysread($xr, $xmsg, 65536);
close $xr;
if ($xmsg ne '') { waitpid($pid, 0); fail($xmsg); }
answer(join ' ', 'ok', $pid, start_time($pid), $$, start_time($$), $started);
open(STDOUT, '>', '/dev/null'); open(STDIN, '<', '/dev/null');

my @children;
sub spawn_node {
  my ($sub, @extra) = @_;
  my $in;
  pipe(my $r, $in) or return undef;
  my $p = fork;
  return undef unless defined $p;
  if ($p == 0) {
    close $in;
    open(STDIN, '<&', $r); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
    umask $umask;
    exec $node, $script, $sub, '--job-id', $id, '--supervise-root', $root, @extra;
    require POSIX; POSIX::_exit(127);
  }
  close $r; push @children, $p;
  return $in;
}

# --progress-every: a Node step refreshes the running record until its stdin closes.
my $progress = $progress_ms > 0 ? spawn_node('_progress', '--every', $progress_ms, '--pid', $pid) : undef;

# Output matching: a Node follower, started when meta.json asks for it.
my $follower;
# Writers replace meta.json by rename: a new inode (mtime alone has a resolution of seconds).
sub meta_stamp { my @s = stat "$dir/meta.json"; @s ? "$s[1]:$s[9]:$s[7]" : '' }
my $meta_stamp = meta_stamp();
my %off = (out => 0, err => 0);
sub start_follower { $follower //= spawn_node('_follow', '--from', "$off{out},$off{err}"); }
start_follower() if $match;
sub check_meta {
  return if $follower;
  my $m = meta_stamp();
  return if $m eq $meta_stamp;
  $meta_stamp = $m;
  open(my $f, '<', "$dir/meta.json") or return;
  my $text = do { local $/; <$f> } // ''; close $f;
  start_follower() if index($text, '"on_output_match"') >= 0;
}

sub write_all { my ($fh, $s) = @_; my $o = 0; while ($o < length $s) { my $n = syswrite($fh, $s, length($s) - $o, $o); last unless $n; $o += $n; } }
my $VALID = qr/[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}/;
# Whether bytes are UTF-8 as Perl reads it: utf8::decode passes ASCII at memory speed (6 times a regex
# scan for bytes >= 0x80) and changes only a copy. Perl's reading is lax (surrogates pass): what
# one check covers decides the output, so it stays one read's complete lines, as it always was.
sub decodes { my $c = $_[0]; utf8::decode($c) }
sub lossy { my $s = shift; return $s if decodes($s); $s =~ s/\G(?:($VALID+)|.)/defined $1 ? $1 : "\xef\xbf\xbd"/gse; $s }
my %pend = (out => '', err => '');
my %tag = (out => '[STDOUT]', err => '[STDERR]');
sub prefix { my @t = gmtime; sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ %s ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0], $tag{$_[0]}) }
# Lines (without their newlines) to full.log, each prefixed with the time and the stream.
sub emit_lines { my $p = prefix(shift); write_all($full, $p . join("\n$p", @_) . "\n") }
# Complete lines (ending in a newline), made valid UTF-8 as a block; one line is written as it is,
# after its prefix (a line cut at 1 MiB is not copied).
sub emit {
  my ($w, $lines) = @_;
  $lines = lossy($lines);
  if (index($lines, "\n") == length($lines) - 1) { write_all($full, prefix($w)); write_all($full, $lines); return; }
  my @l = split /\n/, $lines, -1;
  pop @l;
  emit_lines($w, @l);
}
# Stream $w read into the end of its pending line (new bytes from $from on): complete lines go to
# full.log, straight from the split when the whole is valid; what follows the last newline stays
# pending, and goes as a line of its own at 1 MiB.
sub take {
  my ($w, $from) = @_;
  my $b = \$pend{$w};
  if (index($$b, "\n", $from) >= 0) {
    # Valid as a whole, so the complete lines are too (they end before the pending part, at a newline).
    if (decodes($$b)) { my @l = split /\n/, $$b, -1; $$b = pop @l; emit_lines($w, @l); }
    else { emit($w, substr($$b, 0, rindex($$b, "\n") + 1, '')); }
  }
  if (length($$b) >= 1048576) { $$b .= "\n"; emit($w, $$b); $$b = ''; }
}
# Reads what the workload wrote since last time (at most 16 MB a stream, then the loop gets a
# turn): 0 when there was nothing, 1 when there was, 2 when there may be more.
sub drain {
  my $got = 0;
  for my $w ('out', 'err') {
    for (my $i = 0; ; $i++) {
      if ($i == 64) { $got = 2; last; }
      my $from = length $pend{$w};
      my $n = sysread($rd{$w}, $pend{$w}, 262144, $from);
      last unless $n;
      check_meta() unless $got;
      $got ||= 1; $off{$w} += $n; take($w, $from);
      reap();
    }
    my $size = (stat $rd{$w})[7];
    if (defined $size && $size < $off{$w}) { $off{$w} = $size; sysseek($rd{$w}, $size, 0); }
  }
  return $got;
}

sub pid_env_tagged {
  my @found;
  opendir(my $d, '/proc') or return ();
  for my $p (grep { /^\d+$/ } readdir $d) {
    open(my $e, '<', "/proc/$p/environ") or next;
    my $text = do { local $/; <$e> } // ''; close $e;
    push @found, $p if index("\0$text", "\0AGENT_EXEC_JOB_ID=$id\0") >= 0;
  }
  closedir $d; return @found;
}
sub cg_members { return () if $cg eq ''; open(my $f, '<', "$cg/cgroup.procs") or return (); my @p = grep { /\d/ } <$f>; close $f; @p }
# EPERM (1 on Linux and macOS) from kill 0: the group is alive.
sub anything_left { return 1 if kill(0, -$pid) || $! == 1; return 1 if cg_members(); return scalar pid_env_tagged(); }
sub escalate {
  kill('KILL', -$pid) or kill('KILL', $pid);
  if ($cg ne '' && open(my $k, '>', "$cg/cgroup.kill")) { syswrite $k, '1'; close $k; }
  kill('KILL', -$_) || kill('KILL', $_) for pid_env_tagged();
}

my ($status, $timed_out) = (undef, 0);
my $timeout_at = $timeout_ms > 0 ? $spawned + $timeout_ms : undef;
my $kill_at;
my $idle = 20;
$SIG{CHLD} = sub {};
$SIG{PIPE} = 'IGNORE';
$SIG{$_} = 'IGNORE' for qw(INT HUP);
# The exit, recorded the moment the workload is reaped (also between log chunks: readers settle
# from exit.rec, so a backlog of full.log never delays the job's end).
sub reap {
  # WNOHANG is 1 on Linux and macOS.
  return if defined $status || waitpid($pid, 1) != $pid;
  $status = $?;
  my $duration = mono_ms() - $spawned;
  my $rec = "pid=$pid\nstatus=$status\nduration_ms=$duration\ntimed_out=$timed_out\nstarted_ms=$started\nfinished_ms=" . now_ms() . "\n";
  if (open(my $t, '>', "$dir/.exit.rec.tmp")) { write_all($t, $rec); close $t; rename "$dir/.exit.rec.tmp", "$dir/exit.rec"; }
}
my $finished = 0;
# The workload first (forked before this, it keeps its priority): full.log, and the Node steps
# started from here (they inherit it; readers settle from exit.rec, not from them), take the CPU
# the workload leaves. Where Linux shares CPU time by session (autogroup), the nice value of a
# task weighs only within its session: the shim's own session is lowered as well. 1 when done
# or not applicable, 0 to try again (without CAP_SYS_ADMIN the kernel takes one such change a
# tenth of a second, system-wide: EAGAIN, 11 on Linux).
setpriority(0, 0, 19);
sub lower_session {
  # Started detached, the shim leads its session (and so its process group): the autogroup is its own.
  return 1 unless getpgrp() == $$ && open(my $ag, '>', '/proc/self/autogroup');
  my $ok = syswrite $ag, '19'; close $ag;
  return defined $ok || $! != 11;
}
my $session_lowered = lower_session();
for (;;) {
  $session_lowered ||= lower_session();
  if ($hold && (defined $status || -e "$dir/stdin.eof")) { close $hold; undef $hold; }
  reap();
  if (defined $status && !$finished) {
    $finished = 1;
    1 while drain() == 2;
    for my $w ('out', 'err') { emit($w, "$pend{$w}\n") if length $pend{$w}; $pend{$w} = ''; }
    close $full;
    my $fin = spawn_node('_finish');
    close $fin if $fin;
    close $follower if $follower;
    close $progress if $progress;
    undef $kill_at if defined $kill_at && !anything_left();
  }
  my $now = mono_ms();
  if (defined $timeout_at && !defined $status && $now >= $timeout_at) {
    $timed_out = 1; undef $timeout_at;
    kill('TERM', -$pid) or kill('TERM', $pid);
    $kill_at = $now + $kill_after_ms;
  }
  if (defined $kill_at && $now >= $kill_at) { escalate(); undef $kill_at; }
  last if defined $status && !defined $kill_at;
  my $wait = $idle;
  $wait = $timeout_at - $now if defined $timeout_at && $timeout_at - $now < $wait;
  $wait = $kill_at - $now if defined $kill_at && $kill_at - $now < $wait;
  $wait = 0 if $wait < 0;
  select(undef, undef, undef, $wait / 1000) if $wait > 0;
  next if defined $status;
  my $got = drain();
  $idle = $got == 2 ? 0 : $got ? 20 : ($idle * 2 > 1000 ? 1000 : $idle * 2);
}
for my $c (@children) { waitpid($c, 0); }
rmdir $cg if $cg ne '';
exit 0;
`;
