#!/bin/bash
# Runs inside the guest of scripts/test-pi-vm, started at each boot by couloir-vmtest.service
# from the host's 9p share (mounted at /mnt/couloir).
#
#   boot 1: runs the real install.sh --role all (no --root) with the TV unplugged (DRM
#           connectors forced off), checks it ends well saying the screen keeps trying, plugs
#           the TV back and sees the screen come up, then powers off (the host starts it
#           again: the reboot the installer asks for);
#   boot 2: checks the installed Pi (health, display READY on tty1 with the DRM master,
#           watchdog, systemd-analyze verify of the installed units, HDMI-CEC on/off with
#           vivid's virtual adapters and cec-follower playing the TV, update.sh to a good
#           release then to a broken one that must be rolled back, no SIGSYS), then powers off.
#
# Each check appends "OK <name>", "ECHEC <name>: <why>" or "IGNORE <name>: <why>" (the guest
# cannot run it, e.g. a kernel without vivid's CEC) to results/checks; the host reads that file
# once the guest is off. Every wait is bounded.
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
skipped() {
    printf 'IGNORE %s: %s\n' "$1" "$2" >>"$RESULTS/checks"
    say "IGNORE $1: $2"
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

# served_version: the version /healthz answers with (nothing when it does not answer 200).
served_version() {
    python3 - "http://127.0.0.1:$PORT/healthz" <<'PY' 2>/dev/null
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
        if r.status == 200:
            print(json.load(r).get("version", ""))
except Exception:
    pass
PY
}

display_ready() {
    [ "$(prop couloir-display.service ActiveState)" = active ] &&
        [ "$(prop couloir-display.service SubState)" = running ]
}

# The TV unplugged, as far as the kernel can tell: every DRM connector forced off (sysfs
# status), so SDL's KMSDRM finds no connected output, as on a Pi whose TV is absent or off.
drm_connectors() { ls /sys/class/drm/card*-*/status 2>/dev/null; }
set_connectors() {
    local status
    for status in $(drm_connectors); do echo "$1" >"$status" || return 1; done
}

# --- boot 1: install ---------------------------------------------------------------------

install_phase() {
    say "boot 1: waiting for the boot to settle"
    wait_for 120 settled || say "boot not settled after 120 s: $(systemctl is-system-running)"
    # shellcheck source=/dev/null
    . "$SHARE/config"
    local wheel start status
    wheel="$(ls "$SHARE"/wheelhouse/couloir-*.whl)"
    local unplugged=0
    if [ -n "$(drm_connectors)" ] && set_connectors off; then
        unplugged=1
        say "TV unplugged for the install: $(drm_connectors | tr '\n' ' ')"
    else
        skipped "installation sans téléviseur" "aucun connecteur DRM à débrancher"
    fi
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
    if grep -q 'Terminé : ' "$RESULTS/install.log"; then ok "install.sh conclut"; else
        fail "install.sh conclut" "pas de ligne « Terminé : » dans sa sortie"
    fi
    if [ "$unplugged" = 1 ]; then check_tv_plugged_in_later; fi
    echo 2 >"$STATE/phase"
    : >"$RESULTS/boot1-done"
    # Powered off, not rebooted: the host starts the guest again (a power cycle).
    finish 1 poweroff
}

# check_tv_plugged_in_later: the install without a TV said why the screen is not up yet and
# that it keeps trying; the TV plugged in again, the screen comes up with no one touching it.
check_tv_plugged_in_later() {
    if grep -q "réessaie toutes les 5 secondes" "$RESULTS/install.log" && ! display_ready; then
        ok "installation sans téléviseur : terminée, l'écran réessaie"
    else
        fail "installation sans téléviseur : terminée, l'écran réessaie" \
            "pas de message « réessaie toutes les 5 secondes » ou écran déjà affiché"
    fi
    set_connectors detect
    if wait_for 120 display_ready; then ok "l'écran s'affiche dès que le téléviseur revient"; else
        fail "l'écran s'affiche dès que le téléviseur revient" \
            "couloir-display pas prêt 120 s après le rebranchement"
    fi
}

# --- boot 2: checks ----------------------------------------------------------------------

check_health() {
    # Bounded as the display's wait: under TCG on a busy host, the service's imports alone
    # took more than 90 s once (a trixie run beside the test suite).
    if wait_for 240 healthy; then ok "couloir-server répond sur /healthz"; else
        fail "couloir-server répond sur /healthz" \
            "pas de réponse en 240 s ($(prop couloir-server.service ActiveState), $(prop couloir-server.service Result))"
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

check_units() {
    local units out status version
    version="$(systemctl --version | head -n 1)"
    mapfile -t units < <(find /etc/systemd/system -maxdepth 1 -type f -name 'couloir-*' \
        ! -name 'couloir-vmtest.service' | sort)
    if [ "${#units[@]}" -eq 0 ]; then
        fail "systemd-analyze verify des unités installées" "aucune unité couloir-* dans /etc/systemd/system"
        return
    fi
    out="$(systemd-analyze verify "${units[@]}" 2>&1)"
    status=$?
    printf '%s\n' "$out" >"$RESULTS/systemd-analyze-verify.txt"
    if [ "$status" = 0 ] && [ -z "$out" ]; then
        ok "systemd-analyze verify des unités installées (${#units[@]} unités, $version)"
    else
        fail "systemd-analyze verify des unités installées" \
            "code $status ($version) : $(printf '%s' "$out" | head -n 8 | tr '\n' ';')"
    fi
}

# cec_adapter KIND: the vivid CEC device whose adapter name contains KIND (vid-cap: the
# receiving side, an HDMI input like a TV's; vid-out: the sending side, the Pi's HDMI output).
cec_adapter() {
    local dev
    for dev in /dev/cec*; do
        [ -e "$dev" ] || continue
        if cec-ctl -d "$dev" 2>/dev/null | grep -q "vivid-[0-9]*-$1"; then
            printf '%s\n' "$dev"
            return 0
        fi
    done
    return 1
}

# phys_addr DEVICE: the adapter's CEC physical address (f.f.f.f: no HDMI link).
phys_addr() {
    cec-ctl -d "$1" 2>/dev/null | sed -n 's/^[[:space:]]*Physical Address[[:space:]]*:[[:space:]]*//p' |
        head -n 1
}

# logical_address DEVICE: the adapter's first logical address (nothing while unconfigured).
logical_address() {
    cec-ctl -d "$1" 2>/dev/null |
        sed -n 's/^[[:space:]]*Logical Address[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1
}

linked() { [ -n "$(phys_addr "$1")" ] && [ "$(phys_addr "$1")" != f.f.f.f ]; }

# connect_vivid_output: newer kernels (6.4 and later) leave vivid's HDMI input fed by its test
# pattern generator, its output unlinked, until the input's "HDMI 000-0 Is Connected To"
# control names the output: choose the menu item that is an output (neither the pattern
# generator nor none/disconnected). The whole menu goes to cec.log.
connect_vivid_output() {
    local node ctrl item
    for node in /dev/video*; do
        ctrl="$(v4l2-ctl -d "$node" -l 2>/dev/null | awk '/hdmi_[0-9_]*is_connected_to/ {print $1; exit}')"
        [ -n "$ctrl" ] || continue
        v4l2-ctl -d "$node" -L >>"$RESULTS/cec.log" 2>&1
        item="$(v4l2-ctl -d "$node" -L 2>/dev/null | awk -v c="$ctrl" '
            $1 == c {f = 1; next}
            f && /^[[:space:]]+[0-9]+:/ {
                n = $1; sub(":", "", n)
                if ($0 !~ /Test Pattern|None|Disconnected/) {print n; exit}
                next
            }
            f {exit}')"
        say "CEC: $node $ctrl=${item:-?}"
        [ -n "$item" ] && v4l2-ctl -d "$node" --set-ctrl "$ctrl=$item" >>"$RESULTS/cec.log" 2>&1
    done
    return 0
}

# tv_power PI_DEVICE: the TV's power status as the Pi's adapter reads it from cec-follower.
tv_power() {
    cec-ctl -d "$1" -s --to 0 --give-device-power-status 2>/dev/null |
        sed -n 's/.*pwr-state: *\([A-Za-z-]*\).*/\1/p' | head -n 1
}

tv_is() { [ "$(tv_power "$1")" = "$2" ]; }

# screen_power ORDER PI_DEVICE: the installed couloir-screen-power, on the Pi's adapter.
screen_power() {
    COULOIR_CEC_DEVICE="$2" COULOIR_CEC_STATE=/var/cache/couloir/screen-power \
        timeout 120 /opt/couloir/deploy/bin/couloir-screen-power "$1" >>"$RESULTS/cec.log" 2>&1
}

check_cec() {
    local name="HDMI-CEC : couloir-screen-power éteint et rallume le téléviseur virtuel"
    local tv pi follower status
    if ! modinfo vivid >/dev/null 2>&1; then
        skipped "$name" "le noyau $(uname -r) n'a pas de module vivid"
        return
    fi
    if ! grep -qx 'CONFIG_VIDEO_VIVID_CEC=y' "/boot/config-$(uname -r)" 2>/dev/null; then
        skipped "$name" "le module vivid du noyau $(uname -r) est construit sans CEC (CONFIG_VIDEO_VIVID_CEC)"
        return
    fi
    # The last order is "off": the reassert unit udev starts when the adapters appear must
    # leave them alone while the TV side is being set up.
    printf 'off\n' >/var/cache/couloir/screen-power
    # One HDMI input (input_types 3: the TV's receiver) and one HDMI output (output_types 1:
    # the Pi's): vivid wires the output's CEC adapter to the input's, a CEC bus of two.
    if ! modprobe vivid n_devs=1 num_inputs=1 input_types=3 num_outputs=1 output_types=1 \
        >"$RESULTS/cec.log" 2>&1; then
        skipped "$name" "modprobe vivid a échoué : $(tr '\n' ';' <"$RESULTS/cec.log")"
        return
    fi
    udevadm settle --timeout=30 || true
    if ! wait_for 20 cec_adapter vid-out >/dev/null || ! wait_for 5 cec_adapter vid-cap >/dev/null; then
        skipped "$name" "vivid chargé mais sans adaptateurs CEC : $(echo /dev/cec*)"
        return
    fi
    tv="$(cec_adapter vid-cap)"
    pi="$(cec_adapter vid-out)"
    say "CEC: TV on $tv, Pi on $pi"
    # The TV: logical address 0, answered by cec-follower (power status, Standby, Image View On).
    # Once in a loaded Debian 12 run the TV's claim of 0 was answered and it took 14 (a second
    # TV's address), where nothing sent to the TV reaches it: claim again, a bounded number of times.
    local attempt
    for attempt in 1 2 3; do
        cec-ctl -d "$tv" --tv --osd-name TV >>"$RESULTS/cec.log" 2>&1
        [ "$(logical_address "$tv")" = 0 ] && break
        say "CEC: the TV took logical address $(logical_address "$tv"), not 0 (attempt $attempt)"
        cec-ctl -d "$tv" --clear >>"$RESULTS/cec.log" 2>&1
    done
    linked "$pi" || connect_vivid_output
    if ! wait_for 10 linked "$pi"; then
        fail "$name" "la sortie HDMI de vivid reste sans adresse physique ($(phys_addr "$pi")) : voir results/cec.log"
        return
    fi
    cec-follower -d "$tv" -s -w >"$RESULTS/cec-follower.log" 2>&1 &
    follower=$!
    sleep 2
    wait_for 20 tv_is "$pi" on || say "the TV does not answer on yet: $(tv_power "$pi")"
    local verdict=""
    screen_power off "$pi"
    status=$?
    if [ "$status" = 0 ] && wait_for 10 tv_is "$pi" standby; then
        screen_power on "$pi"
        status=$?
        if ! { [ "$status" = 0 ] && wait_for 10 tv_is "$pi" on; }; then
            verdict="« on » : code $status, le téléviseur dit « $(tv_power "$pi") » (voir results/cec.log)"
        fi
    else
        verdict="« off » : code $status, le téléviseur dit « $(tv_power "$pi") » (voir results/cec.log)"
    fi
    # cec-follower writes its log through stdio: complete once it has exited.
    kill "$follower" 2>/dev/null
    wait "$follower" 2>/dev/null
    if [ -z "$verdict" ] && ! { grep -q 'Changing state to standby' "$RESULTS/cec-follower.log" &&
        grep -q 'Changing state to on' "$RESULTS/cec-follower.log"; }; then
        verdict="le journal de cec-follower ne montre pas la veille puis le réveil (results/cec-follower.log)"
    fi
    if [ -z "$verdict" ]; then
        ok "$name ($pi -> TV $tv : veille puis réveil vus par cec-follower)"
    else
        fail "$name" "$verdict"
    fi
    cec-ctl -d "$pi" --show-topology >>"$RESULTS/cec.log" 2>&1 || true
}

# update_to LABEL: update.sh --source the wheel under updates/LABEL; prints its exit status.
update_to() {
    local wheel
    wheel="$(ls "$SHARE"/updates/"$1"/couloir-*.whl)"
    COULOIR_PIP_ARGS="--no-index --find-links $SHARE/wheelhouse" \
        timeout 900 /opt/couloir/deploy/update.sh --source "$wheel" --timeout 180 \
        >"$RESULTS/update-$1.log" 2>&1
    printf '%s\n' "$?"
    sed "s/^/update.sh $1| /" "$RESULTS/update-$1.log" >&2
}

check_updates() {
    local before next broken status served current
    before="$(served_version)"
    next="$(cat "$SHARE/updates/next/version")"
    broken="$(cat "$SHARE/updates/broken/version")"
    status="$(update_to next)"
    served="$(served_version)"
    if [ "$status" = 0 ] && [ "$served" = "$next" ]; then
        ok "update.sh $before -> $next : le service répond avec la nouvelle version"
    else
        fail "update.sh vers une version saine" \
            "code $status, /healthz répond « ${served:-rien} » au lieu de $next (voir results/update-next.log)"
    fi
    before="$(served_version)"
    current="$(readlink /opt/couloir/current)"
    status="$(update_to broken)"
    served="$(served_version)"
    if [ "$status" = 2 ] && [ -n "$before" ] && [ "$served" = "$before" ] &&
        [ "$(readlink /opt/couloir/current)" = "$current" ] &&
        grep -q 'Retour en arrière' "$RESULTS/update-broken.log"; then
        ok "update.sh vers $broken (cassée) revient en arrière : $before répond de nouveau"
    else
        fail "update.sh revient en arrière après une version cassée" \
            "code $status (attendu 2), /healthz répond « ${served:-rien} » (avant : ${before:-rien}), current -> $(readlink /opt/couloir/current) (voir results/update-broken.log)"
    fi
    if wait_for 120 display_ready; then ok "l'écran tourne de nouveau après les mises à jour"; else
        fail "l'écran tourne de nouveau après les mises à jour" \
            "$(prop couloir-display.service ActiveState)/$(prop couloir-display.service SubState)"
    fi
}

check_no_failed_unit() {
    # A Pi booted without network must not end « degraded »: the bounded wait for network time
    # gives up without failing (conf/time-wait-sync.conf). This guest has no network.
    local failed
    failed="$(systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | tr '\n' ' ')"
    if [ -z "${failed// /}" ]; then ok "aucune unité en échec après le démarrage sans réseau"; else
        fail "aucune unité en échec après le démarrage sans réseau" "$failed"
    fi
}

check_phase() {
    say "boot 2: waiting for the boot to settle"
    wait_for 180 settled || say "boot not settled after 180 s: $(systemctl is-system-running)"
    systemctl --failed --no-legend >"$RESULTS/failed-units.txt" 2>&1
    check_no_failed_unit
    check_health
    check_display
    check_watchdog
    check_units
    check_cec
    check_updates
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
