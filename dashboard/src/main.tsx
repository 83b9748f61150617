// The dashboard page's entry: styles, then the root component into #app.
import "uplot/dist/uPlot.min.css";
import "./ui/styles.css";
import { render } from "preact";
import { Root } from "./ui/Root.js";

const app = document.getElementById("app");
if (app !== null) render(<Root />, app);
