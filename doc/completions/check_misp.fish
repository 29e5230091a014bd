# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_check_misp_global_optspecs
    string join \n u/url= H/hostname= k/key-file= key= t/timeout= timeout-result= w/warning= c/critical= o/output= output-file= ca-cert= insecure J/client-cert= K/client-key= header= I/address= 4/ipv4 6/ipv6 proxy= noproxy= state-dir= v/verbose h/help V/version
end

function __fish_check_misp_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_check_misp_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_check_misp_using_subcommand
    set -l cmd (__fish_check_misp_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c check_misp -n "__fish_check_misp_needs_command" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_needs_command" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_needs_command" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_needs_command" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_needs_command" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_needs_command" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_needs_command" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_needs_command" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_needs_command" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_needs_command" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_needs_command" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_needs_command" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_needs_command" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_needs_command" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "login" -d 'The login page answers as a browser sees it (no key needed)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "events" -d 'The REST events index answers with events'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "latency" -d 'REST response time, phase by phase (-c defaults to 5s)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "workers" -d 'Background workers per queue (-w/-c on dead workers; -w defaults to 0)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "heal" -d 'Workers, restarting dead ones when needed (also: workers --restart-dead-workers)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "jobs" -d 'Jobs waiting in the worker queues, summed (-w/-c on the total), and whether they are taken'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "stats" -d 'Events and attributes modified this month'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "users" -d 'Users and organisations'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "diagnostics" -d 'MISP\'s own diagnostics: jobs, Redis, DB schema, version, writable paths, modules, settings (default -t 30s)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "version" -d 'MISP release, against --min-version and --min-version-critical'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "heartbeat" -d 'The public liveness endpoint /users/heartbeat (MISP 2.4.194 or later; no key needed)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "cert" -d 'Days until the TLS certificate expires (-w/-c in days left; default -w 30 -c 7)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "key" -d 'Days until the API key in use expires, and its limits (-w/-c in days left; default -w 14 -c 3)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "freshness" -d 'How long ago MISP\'s newest event changed (-w/-c as durations such as 1d; default -w 1d -c 3d)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "feeds" -d 'Did each enabled feed fetch, and how long ago (-w/-c on the age of the last fetch or cache, as durations such as 2d; default -w 2d -c 3d)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "sync" -d 'Sync partners: MISP tests its connection to each server with pull or push enabled (default -t 15s)'
complete -c check_misp -n "__fish_check_misp_needs_command" -f -a "all" -d 'Several checks at once, concurrently, one line each (--only CHECK,CHECK,...)'
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l expect-status -d 'Acceptable HTTP statuses: codes and ranges, comma-separated' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l expect-text -d 'Text the page must contain' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand login" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l limit -d 'Events to ask for (the index page size)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l min-events -d 'CRITICAL when fewer events match' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand events" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l path -d 'REST path to time instead of the events index' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand latency" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l ignore-queue -d 'Leave this queue out of the judgement (repeatable or comma-separated)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l min-workers -d 'Live workers expected: N for every queue, QUEUE=N for one (e.g. 5,update=1); fewer count as dead' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l remember-workers -d 'Forget a queue\'s usual worker count once fewer have run this long (0: remember nothing)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand workers" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l cooldown -d 'Never restart twice within this time' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l state-file -d 'Where the last restart is remembered [default: heal-<url hash>.json in --state-dir]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l settle -d 'Wait this long after a restart before re-checking' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l ignore-queue -d 'Leave this queue out of the judgement (repeatable or comma-separated)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l min-workers -d 'Live workers expected: N for every queue, QUEUE=N for one (e.g. 5,update=1); fewer count as dead' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l remember-workers -d 'Forget a queue\'s usual worker count once fewer have run this long (0: remember nothing)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand heal" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l ignore-queue -d 'Leave this queue out of the sum (repeatable or comma-separated)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l stalled-warning -d 'WARNING when jobs wait in a queue and none was taken for this long' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l stalled-critical -d 'CRITICAL when jobs wait in a queue and none was taken for this long' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand jobs" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l cache-file -d 'Answer from this cache file (written by `stats --update-cache`)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l max-age -d 'Oldest cache accepted' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l update-cache -d 'Fetch the statistics and rewrite the cache file (for cron)'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand stats" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l cache-file -d 'Answer from this cache file (written by `stats --update-cache`)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l max-age -d 'Oldest cache accepted' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l update-cache -d 'Fetch the statistics and rewrite the cache file (for cron)'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand users" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l ignore -d 'Leave these findings out of the judgement (repeatable or comma-separated)' -r -f -a "background_jobs\t'The background job system (backgroundJobsStatus)'
redis\t'MISP\'s connection to Redis (redisInfo)'
db_schema\t'Pending or failed database updates (dbSchemaDiagnostics)'
version\t'A newer MISP release (version)'
writeable_dirs\t'Directories MISP must write to (writeableDirs)'
writeable_files\t'Files MISP must write to (writeableFiles)'
modules\t'The enrichment, import and export modules (moduleStatus)'
settings\t'Critical settings in error (finalSettings)'
live\t'MISP switched offline, only site admins let in (finalSettings: MISP.live)'"
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand diagnostics" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l min-version -d 'WARNING when MISP is older than this release (e.g. 2.4.194)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l min-version-critical -d 'CRITICAL when MISP is older than this release' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand version" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand heartbeat" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand cert" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand key" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l published -d 'Count only published events'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand freshness" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l feed -d 'Judge only this feed, by name or id (repeatable)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l misp-timezone -d 'The timezone MISP\'s PHP writes job times in (its date.timezone; PHP\'s default is UTC): UTC or an offset such as +01:00. Without it the age of a fetch is uncertain by a day, and a state that depends on it is UNKNOWN' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand feeds" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l server -d 'Test only this server, by name or id (repeatable); one with pull and push off is reported' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l ignore-server -d 'Leave this server out, by name or id (repeatable)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand sync" -s V -l version -d 'Print version'
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l only -d 'Run only these checks (repeatable or comma-separated) [default: all but heal; cert only for https://]' -r -f -a "login\t''
events\t''
latency\t''
workers\t''
heal\t''
jobs\t''
stats\t''
users\t''
diagnostics\t''
version\t''
heartbeat\t''
cert\t''
key\t''
freshness\t''
feeds\t''
sync\t''"
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l min-workers -d 'Live workers expected, for workers and heal: N for every queue, QUEUE=N for one' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s u -l url -d 'Base URL of MISP, e.g. https://misp.example.org (a path prefix is kept; also: env MISP_URL)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s H -l hostname -d 'Shorthand for --url https://HOST (as OpenNMS passes it)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s k -l key-file -d 'File holding the API key (also: env MISP_KEY_FILE, or the key itself in env MISP_KEY)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l key -d 'The API key itself (visible in ps: prefer --key-file)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s t -l timeout -d 'Hard deadline for the whole check: 10s, 1m30s, or plain seconds [default: 10s; 30s for diagnostics]' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l timeout-result -d 'State to report when the deadline fires' -r -f -a "ok\t'Exit 0'
warning\t'Exit 1'
critical\t'Exit 2'
unknown\t'Exit 3'"
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s w -l warning -d 'Warning threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s c -l critical -d 'Critical threshold range (Monitoring Plugins syntax; durations may carry a unit)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s o -l output -d 'Output mode' -r -f -a "nagios\t'Status line, perfdata, exit 0-3'
okko\t'OK or KO, exit 0 or 1 (OpenNMS SystemExecuteMonitor)'
json\t'One JSON object'
snmp\t'Values only, one per line (net-snmp extend)'
cacti\t'name:value pairs on one line (Cacti data input)'
prometheus\t'Prometheus text exposition (node_exporter textfile collector)'
checkmk\t'Checkmk local check lines, one per check'"
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l output-file -d 'Write what would go to standard output into this file instead, atomically (e.g. for node_exporter\'s textfile collector)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l ca-cert -d 'Trust only the CA certificates in this PEM file' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s J -l client-cert -d 'Client certificate (PEM, own certificate first) for a TLS front that requires one' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s K -l client-key -d 'Private key of --client-cert (PEM; not needed when it is in the certificate file)' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l header -d 'Extra request header \'Name: value\' for a front that needs one (repeatable; never Authorization, never the key; -v shows names only)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s I -l address -d 'Connect to this address instead of the URL\'s host, which still goes into Host, SNI and certificate verification; several (comma-separated) are tried as one host\'s addresses' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l proxy -d 'HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], instead of env http_proxy, https_proxy, all_proxy ("" for none)' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l noproxy -d 'Hosts reached without the proxy, comma-separated names, addresses, networks or "*", instead of env no_proxy' -r
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l state-dir -d 'Where checks remember things between polls (usual worker counts, waiting jobs, the last restart) [default: /var/tmp/check_misp-UID; also: env MISP_STATE_DIR]' -r -F
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -l insecure -d 'Do not verify the server\'s certificate'
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s 4 -l ipv4 -d 'Connect over IPv4 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s 6 -l ipv6 -d 'Connect over IPv6 only'
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s v -l verbose -d 'More detail in the long output (repeatable; never shows the key)'
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c check_misp -n "__fish_check_misp_using_subcommand all" -s V -l version -d 'Print version'
