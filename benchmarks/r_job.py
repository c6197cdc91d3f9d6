"""The benchmark job in R's survey package, for the ratio in `make bench`.

It does what `panelkit summarize` does on the demo survey: rake to the area
margin and the age group × sex cells, then every indicator overall and by
age group, sex and area with logit intervals (svyciprop), written to CSV.
"""

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv2(args[1], fileEncoding = "cp1252", colClasses = "character")
margins_file <- if (length(args) > 1) args[2] else "margins.csv"
d$sex <- factor(ifelse(d$s_1 == "1", "Mand", "Kvinde"), levels = c("Mand", "Kvinde"))
d$age_group <- cut(as.numeric(d$s_2), c(17, 30, 45, 65, 111), right = FALSE,
                   labels = c("17-29", "30-44", "45-64", "65+"))
d$area <- factor(d$s_3)
d$age_sex <- interaction(d$age_group, d$sex, sep = "|")
m <- read.csv(margins_file, comment.char = "#", encoding = "UTF-8")
pop_area <- data.frame(area = m$category[m$variable == "area"],
                       Freq = m$target[m$variable == "area"])
pop_as <- data.frame(age_sex = m$category[m$variable == "age_group|sex"],
                     Freq = m$target[m$variable == "age_group|sex"])
des <- svydesign(ids = ~1, weights = ~rep(1, nrow(d)), data = d)
des <- rake(des, list(~area, ~age_sex), list(pop_area, pop_as),
            control = list(maxit = 1000, epsilon = 1e-10))
agree <- c("Meget enig", "Enig")
answered <- function(x) x != "" & x != "Ved ikke"
ind <- list(
  miss_community = list(col = "q_7_3", yes = agree),
  want_information = list(col = "q_7_4", yes = agree),
  help_neighbour = list(col = "q_7_1", yes = agree),
  lonely = list(col = "q_7_2", yes = agree),
  lonely_17_29 = list(col = "q_7_2", yes = agree, young = TRUE),
  poor_health = list(col = "q_4", yes = c("Mindre godt", "Dårligt"))
)
out <- list()
for (name in names(ind)) {
  spec <- ind[[name]]
  keep <- answered(des$variables[[spec$col]])
  if (!is.null(spec$young)) keep <- keep & des$variables$age_group == "17-29"
  des <- update(des, y = as.numeric(des$variables[[spec$col]] %in% spec$yes))
  sub <- subset(des, keep)
  # svymean gives the estimate and SE; svyciprop the logit interval (its own point
  # estimate can collapse to 0 in small groups with large weights, where glm fails).
  mean <- svymean(~y, sub)
  ci <- attr(svyciprop(~y, sub, method = "logit"), "ci")
  out[[length(out) + 1]] <- data.frame(indicator = name, by = "", group = "",
                                       estimate = as.numeric(coef(mean)), se = as.numeric(SE(mean)),
                                       ci_low = ci[1], ci_high = ci[2])
  for (by in c("age_group", "sex", "area")) {
    f <- as.formula(paste0("~", by))
    m <- svyby(~y, f, sub, svymean)
    r <- svyby(~y, f, sub, svyciprop, method = "logit", vartype = "ci")
    out[[length(out) + 1]] <- data.frame(indicator = name, by = by, group = as.character(m[[1]]),
                                         estimate = as.numeric(coef(m)), se = as.numeric(SE(m)),
                                         ci_low = r$ci_l, ci_high = r$ci_u)
  }
}
write.csv(do.call(rbind, out), "r-estimates.csv", row.names = FALSE)
"""
