#!/bin/bash
# Runs inside the guest of scripts/test-pi-vm, started at each boot by couloir-vmtest.service
# from the host's 9p share (mounted at /mnt/couloir).
#
#   boot 1: runs the real install.sh --role all (no --root), then powers off (the host
#           starts it again: the reboot the installer asks for);
#   boot 2: checks the installed Pi (health, display READY on tty1 with the DRM master,
#           no SIGSYS, watchdog), then powers off.
#
# Each check appends "OK <name>" or "ECHEC <name>: <why>" to results/checks; the host reads
# that file once the guest is off. Every wait is bounded.
set -uo pipefail

SHARE=/mnt/couloir
RESULTS=$SHARE/results
STATE=/var/lib/couloir-vmtest
PORT=8000
mkdir -p "$RESULTS" "$STATE"

say() { printf 'COULOIR-VM: %s\n' "$*"; }
ok() {
    printf 'OK %s\n' "$1" >>"$RESULTS/checks"
    say "OK $1"
}
fail() {
    printf 'ECHEC %s: %s\n' "$1" "$2" >>"$RESULTS/checks"
    say "ECHEC $1: $2"
}
finish() {
    journalctl --no-pager -b -o short-monotonic >"$RESULTS/journal-boot$1.txt" 2>&1 || true
    sync
    say "boot $1 done, $2"
    systemctl "$2" --no-block
    exit 0
}

# wait_for SECONDS COMMAND...: true as soon as COMMAND succeeds, false after SECONDS.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$deadline" ]; do
        "$@" && return 0
        sleep 1
    done
    "$@"
}

settled() {
    case "$(systemctl is-system-running 2>/dev/null)" in running | degraded) return 0 ;; esac
    return 1
}

healthy() {
    python3 - "http://127.0.0.1:$PORT/healthz" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

prop() { systemctl show -p "$2" --value "$1"; }

display_ready() {
    [ "$(prop couloir-display.service ActiveState)" = active ] &&
        [ "$(prop couloir-display.service SubState)" = running ]
}

# --- boot 1: install ---------------------------------------------------------------------

install_phase() {
    say "boot 1: waiting for the boot to settle"
    wait_for 120 settled || say "boot not settled after 120 s: $(systemctl is-system-running)"
    # shellcheck source=/dev/null
    . "$SHARE/config"
    local wheel start status
    wheel="$(ls "$SHARE"/wheelhouse/couloir-*.whl)"
    start=$SECONDS
    say "running install.sh --role all --source $wheel"
    COULOIR_PIP_ARGS="--no-index --find-links $SHARE/wheelhouse ${COULOIR_VM_PIP_ARGS:-}" \
        timeout 900 "$SHARE/deploy/raspberrypi/install.sh" --role all --source "$wheel" \
        >"$RESULTS/install.log" 2>&1
    status=$?
    say "install.sh exited with $status after $((SECONDS - start)) s"
    sed 's/^/install.sh| /' "$RESULTS/install.log"
    if [ "$status" = 0 ]; then
        ok "install.sh --role all ($((SECONDS - start)) s)"
    else
        fail install.sh "code de sortie $status (voir results/install.log)"
    fi
    if grep -q 'Done: ' "$RESULTS/install.log"; then ok "install.sh conclut"; else
        fail "install.sh conclut" "pas de ligne « Done: » dans sa sortie"
    fi
    echo 2 >"$STATE/phase"
    : >"$RESULTS/boot1-done"
    # Powered off, not rebooted: the host starts the guest again (a power cycle).
    finish 1 poweroff
}

# --- boot 2: checks ----------------------------------------------------------------------

check_health() {
    if wait_for 90 healthy; then ok "couloir-server répond sur /healthz"; else
        fail "couloir-server répond sur /healthz" \
            "pas de réponse en 90 s ($(prop couloir-server.service ActiveState), $(prop couloir-server.service Result))"
    fi
}

check_display() {
    local pid tty fd fds session found=0 id clients
    if ! wait_for 240 display_ready; then
        fail "couloir-display READY" \
            "pas active/running en 240 s ($(prop couloir-display.service ActiveState)/$(prop couloir-display.service SubState), $(prop couloir-display.service Result))"
        return
    fi
    ok "couloir-display READY (Type=notify)"
    pid="$(prop couloir-display.service MainPID)"
    tty="$(ps -o tty= -p "$pid" | tr -d ' ')"
    if [ "$tty" = tty1 ]; then ok "l'écran tourne sur tty1"; else
        fail "l'écran tourne sur tty1" "terminal « $tty » pour le PID $pid"
    fi
    for id in $(loginctl list-sessions --no-legend 2>/dev/null | awk '{print $1}'); do
        session="$(loginctl show-session "$id" -p Name --value 2>/dev/null):$(loginctl show-session "$id" -p TTY --value 2>/dev/null)"
        [ "$session" = couloir:tty1 ] && found=1
    done
    if [ "$found" = 1 ]; then ok "session logind de couloir sur tty1"; else
        fail "session logind de couloir sur tty1" "$(loginctl list-sessions --no-legend 2>&1 | tr '\n' ';')"
    fi
    fds="$(for fd in /proc/"$pid"/fd/*; do readlink "$fd"; done 2>/dev/null | grep '^/dev/dri/card' | sort -u | tr '\n' ' ')"
    if [ -n "$fds" ]; then ok "l'écran a ouvert $fds(SDL KMSDRM, virtio-gpu)"; else
        fail "l'écran a ouvert /dev/dri/card0" "aucun fichier /dev/dri ouvert par le PID $pid"
    fi
    mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
    clients="$(cat /sys/kernel/debug/dri/0/clients 2>/dev/null || true)"
    if printf '%s\n' "$clients" | awk -v pid="$pid" '$2 == pid && $4 == "y" {f=1} END {exit !f}'; then
        ok "l'écran détient le DRM master"
    else
        fail "l'écran détient le DRM master" "$(printf '%s' "$clients" | tr '\n' ';')"
    fi
}

check_sigsys() {
    local hits
    hits="$(journalctl --no-pager -o cat 2>/dev/null | grep -E 'status=31/SYS|SIGSYS|sig=31 ' | head -n 5)"
    if [ -z "$hits" ]; then ok "aucun service tué par SIGSYS"; else
        fail "aucun service tué par SIGSYS" "$(printf '%s' "$hits" | tr '\n' ';')"
    fi
}

restarted() {
    [ "$(prop couloir-display.service MainPID)" != "$1" ] && display_ready
}

check_watchdog() {
    local pid restarts
    display_ready || {
        fail "le chien de garde relance un écran figé" "l'écran n'est pas prêt"
        return
    }
    pid="$(prop couloir-display.service MainPID)"
    restarts="$(prop couloir-display.service NRestarts)"
    say "freezing the display (kill -STOP $pid)"
    kill -STOP "$pid"
    if wait_for 150 restarted "$pid" &&
        [ "$(prop couloir-display.service NRestarts)" -gt "$restarts" ] &&
        journalctl --no-pager -b -u couloir-display.service -o cat | grep -q 'Watchdog timeout'; then
        ok "le chien de garde relance un écran figé (PID $pid -> $(prop couloir-display.service MainPID))"
    else
        fail "le chien de garde relance un écran figé" \
            "PID $(prop couloir-display.service MainPID), NRestarts $(prop couloir-display.service NRestarts)"
        kill -CONT "$pid" 2>/dev/null
    fi
}

check_phase() {
    say "boot 2: waiting for the boot to settle"
    wait_for 180 settled || say "boot not settled after 180 s: $(systemctl is-system-running)"
    systemctl --failed --no-legend >"$RESULTS/failed-units.txt" 2>&1
    check_health
    check_display
    check_watchdog
    check_sigsys
    echo finished >"$STATE/phase"
    echo FIN >>"$RESULTS/checks"
    finish 2 poweroff
}

case "$(cat "$STATE/phase" 2>/dev/null || echo 1)" in
    1) install_phase ;;
    2) check_phase ;;
    *) say "nothing left to do" && systemctl poweroff --no-block ;;
esac
