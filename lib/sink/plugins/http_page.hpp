// The HTTP output's page (/): every sender's live image and figures, with no external asset.
#pragma once

#include <string>

namespace ng::sink::http {

// The HTML of /, plain HTML with a few lines of script. It polls /stats.json, shows
// "waiting for a sender" until one appears, and then for each sender its name, size, fps,
// drops and frames, with its image from /stream.mjpg?sender=NAME; the status line's
// data-updates counts the polls that brought new figures. A ?token= of the page's
// own address is passed on to every request it makes.
const std::string& indexPage();

}  // namespace ng::sink::http
