# The golden scenarios: `record NAME TTY CMD...` for each (TTY: 0, 1 for a terminal, shm for a
# tty-less run with /dev/shm mounted exec; TRACER_OPTS=... for tracer options). CMD runs as root
# in a Debian bookworm system where /t holds the static tracer and golden_actions. Sourced by
# record.sh (Docker, x86_64) and record-arm64.sh (arm64), which define `record`.
golden_scenarios() {
    record shell_in_container 1 /bin/bash -c 'id -u'
    record sensitive_read 0 /bin/cat /etc/shadow
    record write_below_etc 0 /bin/sh -c 'echo x > /etc/golden_test.conf'
    record symlink_shadow 0 /bin/ln -s /etc/shadow /tmp/shadow_link
    record packet_socket 0 /t/golden_actions packet
    record outbound_connect 0 /t/golden_actions connect 8080
    record redirect_stdio 0 /t/golden_actions redirect 9999
    record ptrace_attach 0 /t/golden_actions ptrace
    record benign_ls 0 /bin/ls -l /etc
    record benign_copy 0 /bin/cp /etc/hostname /tmp/hostname.copy
    record dev_shm_exec shm /bin/sh -c 'cp /bin/true /dev/shm/eg && /dev/shm/eg'
    record drop_exec 0 /bin/sh -c 'cp /bin/true /tmp/eg_dropped && /tmp/eg_dropped'
    record memfd_exec 0 /t/golden_actions memfd /bin/true
    record aws_grep 0 /bin/grep aws_secret_access_key /etc/hostname
    record traversal_read 0 /bin/cat /etc/../etc/../etc/passwd
    record clear_log 0 /bin/sh -c ': > /var/log/dpkg.log'
    record shred_file 0 /bin/sh -c 'echo x > /tmp/eg_f && shred -u /tmp/eg_f'
    record probe_threads 0 /t/golden_actions threads

    # Behaviours of non-stable rules (ns_*: replayed with the incubating and sandbox files too)
    record ns_apt_get 0 /usr/bin/apt-get --version
    record ns_base64_decode 0 /bin/sh -c 'echo ZWcK | base64 -d'
    record ns_chmod_suid 0 /bin/sh -c 'touch /tmp/eg_suid && chmod 4755 /tmp/eg_suid'
    record ns_shell_history 0 /bin/sh -c 'touch /root/.bash_history && rm /root/.bash_history'
    record ns_binary_dirs 0 /bin/sh -c 'cp /bin/true /usr/bin/eg_copy && mv /usr/bin/eg_copy /usr/bin/eg_moved && mkdir /usr/bin/eg_dir'
    record ns_dev_file 0 /bin/sh -c ': > /dev/eg_dev'
    record ns_proc_environ 0 /bin/cat /proc/self/environ
    record ns_ssh_keys 0 /bin/sh -c 'mkdir -p /root/.ssh && echo key >> /root/.ssh/authorized_keys'
    TRACER_OPTS=-E record ns_proxy_env 0 /bin/sh -c 'cp /bin/true /tmp/wget && HTTP_PROXY=http://198.51.100.40:3128 /tmp/wget'
}
